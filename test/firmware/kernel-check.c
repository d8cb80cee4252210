/*
 * Randomized equivalence check of kernels/cortex-m against kernels/reference, run on the target
 * (QEMU mps2-an386/an500/an505 so the DSP paths execute, mps2-an385 for the plain-C paths of a
 * core without DSP). The reference files are compiled with their functions renamed ref_* (-D on
 * the command line). Each case draws shapes, strides, padding (top/left and, independently,
 * bottom/right), dilation, depth multipliers, groups, zero points and requantization from a
 * seeded xorshift, steered so that every path of the cortex-m kernels runs: 1x1 direct and
 * gathered, K not a multiple of 4, K > 108, more than 36 channels, odd pixel and channel counts,
 * full and border 3x3 depthwise taps, depth multiplier > 1, fully connected row remainders and
 * weight zero points, Add of same-shape and broadcast inputs, the one-SMLAL requantization
 * (every shift <= -2) and the general one.
 *
 * Also checked per case: the kernel runs with exactly its scratch formula
 * (TINYML_*_SCRATCH_CORTEX_M), writes no scratch byte beyond it (canaries), and with one byte
 * less returns TINYML_ERR_SCRATCH without writing its output. Unpadded stride-1 1x1 convs with
 * out_c <= in_c, and depthwise convs with depth multiplier 1, also run in place (output ==
 * input; depthwise with its in-place formula, and TINYML_ERR_ALIAS with a multiplier). tinyml_requant_rs2 is compared with
 * tinyml_mbqm on edge and random accumulators.
 * Any difference prints the case and stops. Ends with "kernel-check ok <cases>" and a
 * semihosting exit.
 */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"
#include "tinyml_kernels.h"

int32_t ref_tinyml_conv2d_s8(const tinyml_conv_params_t *, const int32_t *, const int32_t *, const tinyml_shape4_t *, const int8_t *,
                             const tinyml_shape4_t *, const int8_t *, const int32_t *, const tinyml_shape4_t *, int8_t *, void *,
                             int32_t);
int32_t ref_tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *, const int32_t *, const int32_t *, const tinyml_shape4_t *,
                                       const int8_t *, const tinyml_shape4_t *, const int8_t *, const int32_t *,
                                       const tinyml_shape4_t *, int8_t *, void *, int32_t);
int32_t ref_tinyml_fully_connected_s8(int32_t, int32_t, int32_t, int32_t, int32_t, const int32_t *, const int32_t *, int32_t, int32_t,
                                      int32_t, const int8_t *, const int8_t *, const int32_t *, int8_t *, void *, int32_t);
void ref_tinyml_add_s8(const tinyml_add_params_t *, const tinyml_shape4_t *, const int32_t *, const int8_t *, const int32_t *,
                       const int8_t *, int8_t *);

void tinyml_rt_put_hex32(uint32_t v);
void SysTick_Handler(void);
void SysTick_Handler(void) {}

static uint32_t rng = 2463534242u;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}
static int32_t range(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static void puts_(const char *s) {
  while (*s) tinyml_uart_putc(*s++);
}
static void putu(uint32_t v) {
  char b[11];
  int n = 0;
  do {
    b[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) tinyml_uart_putc(b[--n]);
}
static void puti(int32_t v) {
  if (v < 0) {
    tinyml_uart_putc('-');
    putu((uint32_t)(-(v + 1)) + 1u);
  } else {
    putu((uint32_t)v);
  }
}
void tinyml_rt_put_hex32(uint32_t v) { putu(v); }

static void semihost_exit(int ok) {
  register uint32_t r0 __asm("r0") = 0x18;
  register uint32_t r1 __asm("r1") = ok ? 0x20026u : 0x20024u;
  __asm volatile("bkpt 0xAB" : : "r"(r0), "r"(r1));
  for (;;) {
  }
}

#define MAX_IN 16384
#define MAX_FILT 65536
#define MAX_OUT 16384
#define MAX_CH 320
#define SCRATCH_WORDS 1024
#define CANARY 0x5Au
static int8_t in[MAX_IN], filt[MAX_FILT], out_a[MAX_OUT], out_b[MAX_OUT];
static int32_t bias[MAX_CH], mult[MAX_CH], shift[MAX_CH];
static int32_t scratch_words[SCRATCH_WORDS];
static uint8_t *const scratch = (uint8_t *)scratch_words;

/* Half the cases use small values and a scale near 1/8 (some multipliers exactly 0.5, so ties
 * of the rounding happen), so an accumulator that is off by one shows in the output instead of
 * vanishing in the requantization. */
static int g_small;

static void fill8(int8_t *p, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) p[i] = (int8_t)(g_small ? range(-3, 3) : (int32_t)(int8_t)rnd());
}

/* rs2 != 0: every shift <= -2 (the kernels' one-SMLAL requantization); otherwise a mix that
 * includes shifts > -2 (left shifts too), which sends the whole layer to tinyml_mbqm. */
static void requant(int32_t n, int rs2) {
  int32_t i;
  for (i = 0; i < n; i++) {
    bias[i] = g_small ? range(-40, 40) : range(-20000, 20000);
    mult[i] = (rnd() & 3) == 0 ? 0x40000000 : (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
    if (rs2) shift[i] = g_small ? range(-4, -2) : range(-12, -2);
    else shift[i] = g_small ? range(-3, 1) : range(-12, 1);
  }
  if (!rs2 && n > 0) shift[range(0, n - 1)] = range(-1, 1);
}

static int same(int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++)
    if (out_a[i] != out_b[i]) return 0;
  return 1;
}

static void fail(const char *what, int32_t k) {
  puts_("kernel-check MISMATCH ");
  puts_(what);
  puts_(" case ");
  putu((uint32_t)k);
  puts_("\r\n");
  semihost_exit(0);
}

/* Scratch of exactly `bytes`, canaries after it. */
static void *scratch_arm(int32_t bytes) {
  int32_t i;
  for (i = bytes; i < bytes + 64 && i < 4 * SCRATCH_WORDS; i++) scratch[i] = CANARY;
  return scratch;
}
static int scratch_intact(int32_t bytes) {
  int32_t i;
  for (i = bytes; i < bytes + 64 && i < 4 * SCRATCH_WORDS; i++)
    if (scratch[i] != CANARY) return 0;
  return 1;
}

/* Output size of one spatial dimension for the given paddings (top/left, bottom/right). */
static int32_t out_size(int32_t in_sz, int32_t k, int32_t stride, int32_t dil, int32_t pad_lo, int32_t pad_hi) {
  const int32_t span = in_sz + pad_lo + pad_hi - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

static void check_requant(void) {
  static const int32_t edges[] = {0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 127, -128, 1 << 20, -(1 << 20),
                                  0x3FFFFFFF, -0x40000000, 0x7FFFFFFF, (-0x7FFFFFFF - 1), 0x7FFFFFFE, -0x7FFFFFFF};
  int32_t i, e;
  for (i = 0; i < 20000; i++) {
    const int32_t acc = i < (int32_t)(sizeof edges / sizeof edges[0]) ? edges[i] : (int32_t)rnd() >> (rnd() & 31);
    for (e = 2; e <= 31; e += (i & 1) ? 1 : 7) {
      const int32_t m = (i & 2) ? 0x40000000 : (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
      const int32_t zp = range(-128, 127);
      const int32_t want = tinyml_mbqm(acc, m, -e) + zp;
      const int32_t got = tinyml_requant_rs2(acc, m, e - 2, 1 + 2 * zp);
      if (want != got) {
        puts_("kernel-check MISMATCH requant acc ");
        puti(acc);
        puts_(" mult ");
        puti(m);
        puts_(" shift ");
        puti(-e);
        puts_("\r\n");
        semihost_exit(0);
      }
    }
    if (tinyml_requant_rs2(acc, 0, 0, 1) != tinyml_mbqm(acc, 0, -2)) fail("requant mult 0", i);
  }
}

/* Conv kinds: what the case is steered to reach. */
enum { CONV_RANDOM, CONV_1X1_DIRECT, CONV_1X1_STRIDED, CONV_BIG_K, CONV_KWS_FIRST, CONV_KINDS };
/* Depthwise kinds. */
enum { DW_3X3, DW_RANDOM, DW_MULTIPLIER, DW_WIDE, DW_KINDS };

int main(void) {
  int32_t cases = 0, k, inplace = 0, inplace_dw = 0;
  tinyml_uart_init();
  check_requant();
  for (k = 0; k < 2000; k++) {
    const int op = (int)(k % 4);
    const int rs2 = (int)((rnd() % 3) != 0);
    tinyml_conv_params_t p;
    tinyml_shape4_t is, fs, os;
    int32_t nout, need, pad_hb = 0, pad_wb = 0, rc_a, rc_b, i;
    int32_t kind = 0;
    g_small = (int)(rnd() & 1);
    p.stride_h = range(1, 2);
    p.stride_w = range(1, 2);
    p.dilation_h = (rnd() % 4 == 0) ? 2 : 1;
    p.dilation_w = (rnd() % 4 == 0) ? 2 : 1;
    p.depth_multiplier = 1;
    p.input_offset = g_small ? range(-3, 3) : range(-127, 128);
    p.output_offset = g_small ? range(-8, 8) : range(-128, 127);
    if (rnd() & 1) {
      p.act_min = -128;
      p.act_max = 127;
    } else {
      p.act_min = range(-128, 0);
      p.act_max = range(p.act_min, 127);
    }
    is.n = 1;
    is.h = range(1, 9);
    is.w = range(1, 9);
    fs.n = 1;
    os.n = 1;
    if (op == 0) {
      int32_t groups = 1;
      kind = (k / 3) % CONV_KINDS;
      fs.h = range(1, 4);
      fs.w = range(1, 4);
      fs.c = range(1, 13);
      os.c = range(1, 9);
      if (kind == CONV_RANDOM) {
        groups = (rnd() % 4 == 0) ? range(2, 3) : 1;
      } else if (kind == CONV_1X1_DIRECT || kind == CONV_1X1_STRIDED) {
        fs.h = fs.w = 1;
        fs.c = range(1, 80);
        os.c = range(1, 70);
        if (kind == CONV_1X1_DIRECT) p.stride_h = p.stride_w = 1;
        else if (p.stride_h == 1 && p.stride_w == 1) p.stride_w = 2;
      } else if (kind == CONV_BIG_K) {
        fs.h = range(2, 5);
        fs.w = range(2, 5);
        fs.c = range(8, 40); /* K from 32 to 1000, mostly > 108 */
        os.c = range(30, 70);
        is.h = range(3, 8);
        is.w = range(3, 8);
      } else { /* the KWS DS-CNN's first layer, at a smaller size: 10x4 filter, 1 channel, stride 2 */
        fs.h = 10;
        fs.w = 4;
        fs.c = 1;
        os.c = range(8, 64);
        is.h = range(10, 25);
        is.w = range(4, 10);
        p.stride_h = p.stride_w = 2;
        p.dilation_h = p.dilation_w = 1;
      }
      if (kind != CONV_RANDOM) p.dilation_h = p.dilation_w = 1;
      is.c = fs.c * groups;
      os.c *= groups;
      fs.n = os.c;
    } else if (op == 1) {
      kind = (k / 3) % DW_KINDS;
      fs.h = 3;
      fs.w = 3;
      is.c = range(1, 24);
      if (kind == DW_RANDOM) {
        fs.h = range(1, 5);
        fs.w = range(1, 5);
      } else if (kind == DW_MULTIPLIER) {
        p.depth_multiplier = range(2, 4);
      } else if (kind == DW_WIDE) {
        is.c = range(37, 80);
        is.h = range(3, 12);
        is.w = range(3, 12);
        if (rnd() & 1) p.dilation_h = p.dilation_w = 1;
      }
      os.c = is.c * p.depth_multiplier;
      fs.c = os.c;
    }
    if (op < 2) {
      const int pad = kind != CONV_1X1_DIRECT || op == 1;
      p.pad_h = pad ? range(0, fs.h - 1 + (op == 0 && fs.h == 1)) : 0;
      p.pad_w = pad ? range(0, fs.w - 1 + (op == 0 && fs.w == 1)) : 0;
      pad_hb = pad ? range(0, fs.h - 1 + (op == 0 && fs.h == 1)) : 0;
      pad_wb = pad ? range(0, fs.w - 1 + (op == 0 && fs.w == 1)) : 0;
      os.h = out_size(is.h, fs.h, p.stride_h, p.dilation_h, p.pad_h, pad_hb);
      os.w = out_size(is.w, fs.w, p.stride_w, p.dilation_w, p.pad_w, pad_wb);
      if (os.h < 1 || os.w < 1) continue;
      nout = os.h * os.w * os.c;
      if (is.h * is.w * is.c > MAX_IN || fs.n * fs.h * fs.w * fs.c > MAX_FILT || nout > MAX_OUT || os.c > MAX_CH) continue;
      fill8(in, is.h * is.w * is.c);
      fill8(filt, fs.n * fs.h * fs.w * fs.c);
      requant(os.c, rs2);
      {
        const int32_t *bp = (k & 4) ? 0 : bias;
        if (op == 0) {
          need = TINYML_CONV2D_S8_SCRATCH_CORTEX_M(fs.h, fs.w, fs.c);
          if (need > 4 * SCRATCH_WORDS - 64) continue;
          rc_a = ref_tinyml_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_a, 0, 0);
          if (need > 0) {
            for (i = 0; i < nout; i++) out_b[i] = 0x11;
            if (tinyml_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_b, scratch_arm(need - 1), need - 1) !=
                TINYML_ERR_SCRATCH) fail("conv accepted too little scratch", k);
            for (i = 0; i < nout; i++)
              if (out_b[i] != 0x11) fail("conv wrote output without scratch", k);
          }
          rc_b = tinyml_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_b, scratch_arm(need), need);
          if (!scratch_intact(need)) fail("conv wrote past its scratch", k);
          if (kind == CONV_1X1_DIRECT && os.c <= is.c && is.h * is.w * is.c <= MAX_OUT) {
            /* in place: output == input */
            static int8_t buf[MAX_OUT];
            for (i = 0; i < is.h * is.w * is.c; i++) buf[i] = in[i];
            if (tinyml_conv2d_s8(&p, mult, shift, &is, buf, &fs, filt, bp, &os, buf, scratch_arm(need), need) != TINYML_OK)
              fail("in-place conv", k);
            for (i = 0; i < nout; i++)
              if (buf[i] != out_a[i]) fail("in-place conv", k);
            inplace++;
          }
        } else {
          need = TINYML_DEPTHWISE_CONV2D_S8_SCRATCH_CORTEX_M(fs.h, fs.w, os.c);
          if (need > 4 * SCRATCH_WORDS - 64) continue;
          rc_a = ref_tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_a, 0, 0);
          for (i = 0; i < nout; i++) out_b[i] = 0x11;
          if (tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_b, scratch_arm(need - 1),
                                         need - 1) != TINYML_ERR_SCRATCH) fail("depthwise accepted too little scratch", k);
          for (i = 0; i < nout; i++)
            if (out_b[i] != 0x11) fail("depthwise wrote output without scratch", k);
          rc_b = tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, bp, &os, out_b, scratch_arm(need), need);
          if (!scratch_intact(need)) fail("depthwise wrote past its scratch", k);
          if (is.h * is.w * is.c <= MAX_OUT && nout <= is.h * is.w * is.c) {
            /* in place: output == input, with the in-place formula exactly (and one byte less refused) */
            static int8_t buf[MAX_OUT];
            const int32_t need_ip = need + TINYML_DEPTHWISE_CONV2D_S8_INPLACE_CORTEX_M(is.h, is.w);
            for (i = 0; i < is.h * is.w * is.c; i++) buf[i] = in[i];
            if (p.depth_multiplier != 1) {
              if (tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, buf, &fs, filt, bp, &os, buf, scratch_arm(4000), 4000) != TINYML_ERR_ALIAS)
                fail("depthwise accepted output == input with a depth multiplier", k);
            } else if (need_ip <= 4 * SCRATCH_WORDS - 64) {
              if (tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, buf, &fs, filt, bp, &os, buf, scratch_arm(need_ip - 1), need_ip - 1) !=
                  TINYML_ERR_SCRATCH)
                fail("in-place depthwise accepted too little scratch", k);
              for (i = 0; i < is.h * is.w * is.c; i++)
                if (buf[i] != in[i]) fail("in-place depthwise wrote without scratch", k);
              if (tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, buf, &fs, filt, bp, &os, buf, scratch_arm(need_ip), need_ip) != TINYML_OK)
                fail("in-place depthwise", k);
              if (!scratch_intact(need_ip)) fail("in-place depthwise wrote past its scratch", k);
              for (i = 0; i < nout; i++)
                if (buf[i] != out_a[i]) fail("in-place depthwise", k);
              inplace_dw++;
            }
          }
        }
      }
    } else if (op == 3) { /* add: same shapes (the flat path) or input 2 broadcast along some dimensions */
      tinyml_add_params_t ap;
      int32_t s1[4], s2[4], d, acc1 = 1, acc2 = 1, n2 = 1;
      const int bcast = (int)(rnd() & 1);
      const int32_t dims[4] = {1, range(1, 9), range(1, 9), range(1, 40)};
      os.n = dims[0];
      os.h = dims[1];
      os.w = dims[2];
      os.c = dims[3];
      for (d = 3; d >= 0; --d) {
        const int keep = !bcast || (rnd() & 1);
        s1[d] = acc1;
        acc1 *= dims[d];
        s2[d] = keep ? acc2 : 0;
        if (keep) {
          acc2 *= dims[d];
          n2 *= dims[d];
        }
      }
      nout = acc1;
      /* TFLite's left shift is 20, which leaves a 1-LSB error in an input's scaling almost
       * no chance to reach the output; a small one with an output scale near 1/8 shows it. */
      ap.left_shift = (rnd() & 1) ? 20 : range(0, 3);
      ap.input1_offset = p.input_offset;
      ap.input2_offset = g_small ? range(-3, 3) : range(-127, 128);
      ap.input1_multiplier = (rnd() & 3) == 0 ? 0x40000000 : (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
      ap.input2_multiplier = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
      ap.input1_shift = range(-3, 0);
      ap.input2_shift = range(-3, 0);
      ap.output_offset = p.output_offset;
      ap.output_multiplier = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
      if (ap.left_shift == 20) ap.output_shift = rs2 ? (g_small ? range(-22, -19) : range(-24, -2)) : range(-3, 1);
      else ap.output_shift = rs2 ? range(-4, -2) : range(-3, 1);
      ap.act_min = p.act_min;
      ap.act_max = p.act_max;
      fill8(in, nout);
      fill8(filt, n2);
      ref_tinyml_add_s8(&ap, &os, s1, in, s2, filt, out_a);
      tinyml_add_s8(&ap, &os, s1, in, s2, filt, out_b);
      rc_a = rc_b = TINYML_OK;
      kind = bcast;
    } else { /* fully connected: row remainders, long rows, a weight zero point sometimes */
      const int32_t batches = range(1, 3);
      const int32_t inf = (rnd() & 1) ? range(1, 40) : range(100, 700);
      const int32_t units = range(1, 70);
      const int32_t fo = (rnd() % 4 == 0) ? range(-127, 128) : 0;
      const int32_t *bp = (k & 4) ? 0 : bias;
      nout = batches * units;
      need = TINYML_FULLY_CONNECTED_S8_SCRATCH_CORTEX_M(inf);
      fill8(in, batches * inf);
      fill8(filt, units * inf);
      requant(units, rs2);
      rc_a = ref_tinyml_fully_connected_s8(p.input_offset, fo, p.output_offset, p.act_min, p.act_max, mult, shift, batches, inf, units,
                                           in, filt, bp, out_a, 0, 0);
      for (i = 0; i < nout; i++) out_b[i] = 0x11;
      if (tinyml_fully_connected_s8(p.input_offset, fo, p.output_offset, p.act_min, p.act_max, mult, shift, batches, inf, units, in,
                                    filt, bp, out_b, scratch_arm(need - 1), need - 1) != TINYML_ERR_SCRATCH)
        fail("fully connected accepted too little scratch", k);
      for (i = 0; i < nout; i++)
        if (out_b[i] != 0x11) fail("fully connected wrote output without scratch", k);
      rc_b = tinyml_fully_connected_s8(p.input_offset, fo, p.output_offset, p.act_min, p.act_max, mult, shift, batches, inf, units, in,
                                       filt, bp, out_b, scratch_arm(need), need);
      if (!scratch_intact(need)) fail("fully connected wrote past its scratch", k);
    }
    cases++;
    if (rc_a != TINYML_OK || rc_b != TINYML_OK || !same(nout)) {
      puts_("kernel-check MISMATCH case ");
      putu((uint32_t)k);
      puts_(" op ");
      putu((uint32_t)op);
      puts_(" kind ");
      putu((uint32_t)kind);
      puts_("\r\n");
      semihost_exit(0);
    }
  }
  puts_("kernel-check ok ");
  putu((uint32_t)cases);
  puts_(" in-place ");
  putu((uint32_t)inplace);
  puts_(" in-place-dw ");
  putu((uint32_t)inplace_dw);
  puts_("\r\n");
  semihost_exit(1);
  return 0;
}

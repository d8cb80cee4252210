/*
 * Randomized equivalence check of kernels/cortex-m against kernels/reference, run on the target
 * (QEMU mps2-an386, so the DSP paths execute). The reference files are compiled with their
 * functions renamed ref_* (-D on the command line). Shapes, strides, padding, dilation, depth
 * multipliers, groups, zero points and odd sizes are drawn from a seeded xorshift; any byte that
 * differs prints the case and stops. Ends with "kernel-check ok <cases>" and a semihosting exit.
 */
#include <stdint.h>

#include "board.h"
#include "tinyml_bsp.h"
#include "tinyml_kernels.h"

void ref_tinyml_conv2d_s8(const tinyml_conv_params_t *, const int32_t *, const int32_t *, const tinyml_shape4_t *, const int8_t *,
                          const tinyml_shape4_t *, const int8_t *, const int32_t *, const tinyml_shape4_t *, int8_t *);
void ref_tinyml_depthwise_conv2d_s8(const tinyml_conv_params_t *, const int32_t *, const int32_t *, const tinyml_shape4_t *,
                                    const int8_t *, const tinyml_shape4_t *, const int8_t *, const int32_t *,
                                    const tinyml_shape4_t *, int8_t *);
void ref_tinyml_fully_connected_s8(int32_t, int32_t, int32_t, int32_t, int32_t, const int32_t *, const int32_t *, int32_t, int32_t,
                                   int32_t, const int8_t *, const int8_t *, const int32_t *, int8_t *);

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
void tinyml_rt_put_hex32(uint32_t v) { putu(v); }

static void semihost_exit(int ok) {
  register uint32_t r0 __asm("r0") = 0x18;
  register uint32_t r1 __asm("r1") = ok ? 0x20026u : 0x20024u;
  __asm volatile("bkpt 0xAB" : : "r"(r0), "r"(r1));
  for (;;) {
  }
}

#define MAXB 6144
static int8_t in[MAXB], filt[MAXB], out_a[MAXB], out_b[MAXB];
static int32_t bias[256], mult[256], shift[256];

/* Half the cases use small values and a scale near 1, so an accumulator that is off by one
 * shows in the output instead of vanishing in the requantization. */
static int g_small;

static void fill8(int8_t *p, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) p[i] = (int8_t)(g_small ? range(-3, 3) : (int32_t)(int8_t)rnd());
}

static void requant(int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) {
    bias[i] = g_small ? range(-40, 40) : range(-20000, 20000);
    mult[i] = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
    shift[i] = g_small ? range(0, 1) : range(-12, 1);
  }
}

static int same(int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++)
    if (out_a[i] != out_b[i]) return 0;
  return 1;
}

int main(void) {
  int32_t cases = 0, k;
  tinyml_uart_init();
  for (k = 0; k < 300; k++) {
    const int kind = (int)(k % 3);
    tinyml_conv_params_t p;
    tinyml_shape4_t is, fs, os;
    int32_t nout;
    g_small = (int)(rnd() & 1);
    p.stride_h = range(1, 2);
    p.stride_w = range(1, 2);
    p.dilation_h = range(1, 2);
    p.dilation_w = range(1, 2);
    p.input_offset = g_small ? range(-3, 3) : range(-127, 128);
    p.output_offset = g_small ? range(-8, 8) : range(-128, 127);
    p.act_min = range(-128, 0);
    p.act_max = range(p.act_min, 127);
    is.n = 1;
    is.h = range(1, 9);
    is.w = range(1, 9);
    if (kind == 0) { /* conv, sometimes grouped */
      int32_t groups = (rnd() % 4 == 0) ? 2 : 1;
      fs.c = range(1, 13);
      is.c = fs.c * groups;
      fs.h = range(1, 4);
      fs.w = range(1, 4);
      os.c = groups * range(1, 9);
      fs.n = os.c;
    } else if (kind == 1) { /* depthwise */
      p.depth_multiplier = range(1, 3);
      is.c = range(1, 19);
      fs.n = 1;
      fs.h = range(1, 4);
      fs.w = range(1, 4);
      os.c = is.c * p.depth_multiplier;
      fs.c = os.c;
    }
    if (kind < 2) {
      p.pad_h = range(0, fs.h - 1);
      p.pad_w = range(0, fs.w - 1);
      os.n = 1;
      os.h = (is.h + 2 * p.pad_h - p.dilation_h * (fs.h - 1) - 1) / p.stride_h + 1;
      os.w = (is.w + 2 * p.pad_w - p.dilation_w * (fs.w - 1) - 1) / p.stride_w + 1;
      if (os.h < 1 || os.w < 1) continue;
      nout = os.h * os.w * os.c;
      fill8(in, is.h * is.w * is.c);
      fill8(filt, fs.n * fs.h * fs.w * fs.c);
      requant(os.c);
      if (kind == 0) {
        ref_tinyml_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, (k & 4) ? 0 : bias, &os, out_a);
        tinyml_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, (k & 4) ? 0 : bias, &os, out_b);
      } else {
        ref_tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, (k & 4) ? 0 : bias, &os, out_a);
        tinyml_depthwise_conv2d_s8(&p, mult, shift, &is, in, &fs, filt, (k & 4) ? 0 : bias, &os, out_b);
      }
    } else { /* fully connected, with a filter zero point sometimes */
      int32_t batches = range(1, 3), inf = range(1, 70), units = range(1, 40);
      int32_t fo = (rnd() % 3 == 0) ? range(-127, 128) : 0;
      nout = batches * units;
      fill8(in, batches * inf);
      fill8(filt, units * inf);
      requant(units);
      ref_tinyml_fully_connected_s8(p.input_offset, fo, p.output_offset, p.act_min, p.act_max, mult, shift, batches, inf, units, in, filt,
                                    (k & 4) ? 0 : bias, out_a);
      tinyml_fully_connected_s8(p.input_offset, fo, p.output_offset, p.act_min, p.act_max, mult, shift, batches, inf, units, in, filt,
                                (k & 4) ? 0 : bias, out_b);
    }
    cases++;
    if (!same(nout)) {
      puts_("kernel-check MISMATCH case ");
      putu((uint32_t)k);
      puts_(" kind ");
      putu((uint32_t)kind);
      puts_("\r\n");
      semihost_exit(0);
    }
  }
  puts_("kernel-check ok ");
  putu((uint32_t)cases);
  puts_("\r\n");
  semihost_exit(1);
  return 0;
}

/*
 * tinyml-boot: a small serial bootloader for the emulated MPS2 boards (AN385/AN386/AN500),
 * whose code memory (ZBT SSRAM1 at 0x0) is writable at run time.
 *
 * Layout: a 2-word boot vector (SP, PC) at 0x0 so the core starts here; everything else
 * (code, data, stack) lives in the top BOOT_REGION bytes of code memory, so an application
 * linked at 0x0 can be written over the boot vector without touching the running loader.
 *
 * Protocol (little-endian; the host side is src/flash/tinyml-boot.ts):
 *   request  'T' 'B' cmd len16 addr32 payload[len] crc32   (CRC-32/ISO-HDLC over cmd..payload)
 *   reply    'K' value32             on success
 *            'N' code                on failure: 1 bad CRC, 2 bad address, 3 bad length, 4 unknown command
 *   0x01 HELLO  → K CPUID (0xE000ED00); 'K' is preceded by nothing, so the host can sync by retrying
 *   0x02 WRITE  addr, payload (≤ 1024 bytes) → K crc32 of what was stored (read back from memory)
 *   0x03 CRC    addr, len in payload (4 bytes) → K crc32 of memory[addr, addr+len)
 *   0x04 GO     addr of a vector table → K, then VTOR = addr, MSP = [addr], jump to [addr + 4]
 * Bytes that do not start a frame are skipped (line noise, a host resyncing).
 * Not promised: no timeout to a stored application (the loader waits for the host), no
 * flash programming (RAM only), no encryption or signatures.
 */
#include <stdint.h>

#ifndef UART_BASE
#error "define UART_BASE (CMSDK UART base address, from the board file)"
#endif
#ifndef UART_CLOCK_HZ
#error "define UART_CLOCK_HZ"
#endif
#ifndef UART_BAUD
#define UART_BAUD 115200
#endif

#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA REG(UART_BASE + 0x00)
#define UART_STATE REG(UART_BASE + 0x04) /* bit0 TX full, bit1 RX full */
#define UART_CTRL REG(UART_BASE + 0x08)
#define UART_BAUDDIV REG(UART_BASE + 0x10)
#define SCB_CPUID REG(0xE000ED00u)
#define SCB_VTOR REG(0xE000ED08u)

#define MAX_PAYLOAD 1024u

extern uint32_t __boot_region_start, __boot_region_end, __bss_start, __bss_end, __stack_top;

static void putc_(uint8_t c) {
  while (UART_STATE & 1u) {
  }
  UART_DATA = c;
}

static uint8_t getc_(void) {
  while (!(UART_STATE & 2u)) {
  }
  return (uint8_t)UART_DATA;
}

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc_update(uint32_t crc, const volatile uint8_t *p, uint32_t n) {
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

static void reply_ok(uint32_t v) {
  putc_('K');
  for (int i = 0; i < 4; i++) putc_((uint8_t)(v >> (8 * i)));
}

static void reply_err(uint8_t code) {
  putc_('N');
  putc_(code);
}

/* Writable: code memory below the loader, or data SRAM. */
static int writable(uint32_t addr, uint32_t len) {
  uint32_t lo = (uint32_t)&__boot_region_start;
  /* Written to avoid overflow: addr + len could wrap past 0xFFFFFFFF. */
  if (addr <= lo && len <= lo - addr) return 1;
  if (addr >= 0x20000000u && addr < 0x20400000u && len <= 0x20400000u - addr) return 1;
  return 0;
}

static uint8_t frame[1 + 2 + 4 + MAX_PAYLOAD + 4];

__attribute__((noreturn)) static void jump(uint32_t vt) {
  uint32_t sp = *(volatile uint32_t *)vt;
  uint32_t pc = *(volatile uint32_t *)(vt + 4);
  SCB_VTOR = vt;
  __asm volatile("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" : : "r"(sp), "r"(pc) : "memory");
  __builtin_unreachable();
}

__attribute__((noreturn)) void boot_main(void) {
  for (uint32_t *p = &__bss_start; p < &__bss_end;) *p++ = 0;
  crc_init();
  UART_BAUDDIV = UART_CLOCK_HZ / UART_BAUD;
  UART_CTRL = 3u;
  for (;;) {
    if (getc_() != 'T') continue;
    if (getc_() != 'B') continue;
    for (uint32_t i = 0; i < 7; i++) frame[i] = getc_();
    uint8_t cmd = frame[0];
    uint32_t len = (uint32_t)frame[1] | ((uint32_t)frame[2] << 8);
    uint32_t addr = (uint32_t)frame[3] | ((uint32_t)frame[4] << 8) | ((uint32_t)frame[5] << 16) | ((uint32_t)frame[6] << 24);
    if (len > MAX_PAYLOAD) {
      reply_err(3);
      continue;
    }
    for (uint32_t i = 0; i < len + 4; i++) frame[7 + i] = getc_();
    uint32_t want = (uint32_t)frame[7 + len] | ((uint32_t)frame[8 + len] << 8) | ((uint32_t)frame[9 + len] << 16) | ((uint32_t)frame[10 + len] << 24);
    if (crc_update(0, frame, 7 + len) != want) {
      reply_err(1);
      continue;
    }
    const uint8_t *payload = &frame[7];
    switch (cmd) {
      case 0x01:
        reply_ok(SCB_CPUID);
        break;
      case 0x02:
        if (!writable(addr, len)) {
          reply_err(2);
          break;
        }
        for (uint32_t i = 0; i < len; i++) ((volatile uint8_t *)addr)[i] = payload[i];
        reply_ok(crc_update(0, (const volatile uint8_t *)addr, len));
        break;
      case 0x03: {
        if (len != 4) {
          reply_err(3);
          break;
        }
        uint32_t n = (uint32_t)payload[0] | ((uint32_t)payload[1] << 8) | ((uint32_t)payload[2] << 16) | ((uint32_t)payload[3] << 24);
        reply_ok(crc_update(0, (const volatile uint8_t *)addr, n));
        break;
      }
      case 0x04:
        if (!writable(addr, 8) || (addr & 0x7Fu)) {
          reply_err(2);
          break;
        }
        reply_ok(addr);
        while (UART_STATE & 1u) {
        }
        jump(addr);
      default:
        reply_err(4);
    }
  }
}

/* The loader's own vector table (VTOR points here once running): any fault just spins. */
static void spin(void) {
  for (;;) {
  }
}
__attribute__((section(".boot_vectors"), used)) const void *const boot_vectors[16] = {
    &__stack_top, (void *)boot_main, (void *)spin, (void *)spin, (void *)spin, (void *)spin, (void *)spin, 0, 0, 0, 0,
    (void *)spin, (void *)spin, 0, (void *)spin, (void *)spin};

/* The 2-word table at 0x0 the core reads at reset. */
__attribute__((section(".reset_vector"), used)) const void *const reset_vector[2] = {&__stack_top, (void *)boot_main};

/**
 * USB vendor/product IDs of the serial bridges and debug probes boards show up as. Data,
 * not logic: `guessBoard` only looks rows up. A bridge chip (CH340, CP210x, FTDI) says
 * little about the board behind it, so those rows name a family and carry lower confidence.
 */
export interface UsbIdRow {
  vid: number;
  pid: number;
  /** What the USB device is. */
  device: string;
  /** Board ids (boards/<id>.json) this most likely is, best first. */
  boards: string[];
  /** The flash protocol that USB interface leads to. */
  protocol?: string;
  confidence: 'exact' | 'likely' | 'bridge';
}

export const USB_IDS: readonly UsbIdRow[] = [
  { vid: 0x0483, pid: 0x374b, device: 'ST-LINK/V2-1 virtual COM port (Nucleo-64, Discovery)', boards: ['nucleo-l4r5zi'], protocol: 'stm32-an3155', confidence: 'likely' },
  { vid: 0x0483, pid: 0x374e, device: 'ST-LINK/V3 virtual COM port (Nucleo-144, STLINK-V3)', boards: ['nucleo-l4r5zi', 'nucleo-h7a3zi-q', 'nucleo-u575zi-q'], protocol: 'stm32-an3155', confidence: 'likely' },
  { vid: 0x0483, pid: 0x374f, device: 'ST-LINK/V3 virtual COM port', boards: ['nucleo-l4r5zi'], protocol: 'stm32-an3155', confidence: 'likely' },
  { vid: 0x0483, pid: 0x5740, device: 'STM32 USB CDC (application firmware)', boards: [], confidence: 'likely' },
  { vid: 0x0483, pid: 0xdf11, device: 'STM32 DFU bootloader', boards: [], confidence: 'likely' },
  { vid: 0x2341, pid: 0x0043, device: 'Arduino Uno R3 (ATmega16U2 bridge)', boards: ['arduino-uno'], protocol: 'stk500v1', confidence: 'exact' },
  { vid: 0x2341, pid: 0x0001, device: 'Arduino Uno (ATmega8U2 bridge)', boards: ['arduino-uno'], protocol: 'stk500v1', confidence: 'exact' },
  { vid: 0x2a03, pid: 0x0043, device: 'Arduino Uno R3 (arduino.org)', boards: ['arduino-uno'], protocol: 'stk500v1', confidence: 'exact' },
  { vid: 0x2341, pid: 0x005a, device: 'Arduino Nano 33 BLE bootloader (double-tap reset)', boards: ['arduino-nano-33-ble-sense'], protocol: 'sam-ba', confidence: 'exact' },
  { vid: 0x2341, pid: 0x805a, device: 'Arduino Nano 33 BLE / BLE Sense (nRF52840, application CDC)', boards: ['arduino-nano-33-ble-sense'], protocol: 'sam-ba', confidence: 'exact' },
  { vid: 0x1a86, pid: 0x7523, device: 'CH340 USB-UART bridge (Uno clones, ESP32 boards)', boards: ['arduino-uno', 'esp32-s3-devkitc-1'], confidence: 'bridge' },
  { vid: 0x1a86, pid: 0x55d4, device: 'CH9102 USB-UART bridge (ESP32 boards)', boards: ['esp32-s3-devkitc-1'], protocol: 'esp-rom', confidence: 'bridge' },
  { vid: 0x10c4, pid: 0xea60, device: 'CP210x USB-UART bridge (ESP32 DevKits and others)', boards: ['esp32-s3-devkitc-1'], protocol: 'esp-rom', confidence: 'bridge' },
  { vid: 0x0403, pid: 0x6001, device: 'FTDI FT232R USB-UART bridge', boards: [], confidence: 'bridge' },
  { vid: 0x0403, pid: 0x6010, device: 'FTDI FT2232 (often a JTAG+UART probe)', boards: [], confidence: 'bridge' },
  { vid: 0x303a, pid: 0x1001, device: 'Espressif USB-Serial/JTAG (ESP32-S3/C3/C6 native USB)', boards: ['esp32-s3-devkitc-1'], protocol: 'esp-rom', confidence: 'likely' },
  { vid: 0x2e8a, pid: 0x0005, device: 'Raspberry Pi RP2040 MicroPython / application CDC', boards: ['rpi-pico'], protocol: 'uf2', confidence: 'likely' },
  { vid: 0x2e8a, pid: 0x000a, device: 'Raspberry Pi Pico SDK stdio USB CDC', boards: ['rpi-pico'], protocol: 'uf2', confidence: 'likely' },
  { vid: 0x2e8a, pid: 0x0003, device: 'Raspberry Pi RP2040 BOOTSEL (UF2 drive)', boards: ['rpi-pico'], protocol: 'uf2', confidence: 'exact' },
  { vid: 0x1915, pid: 0x520f, device: 'Nordic nRF52840 Dongle / UF2 bootloader CDC', boards: ['arduino-nano-33-ble-sense'], protocol: 'uf2', confidence: 'likely' },
  { vid: 0x1366, pid: 0x1015, device: 'SEGGER J-Link OB virtual COM port (nRF52 DK)', boards: ['arduino-nano-33-ble-sense'], confidence: 'likely' },
  { vid: 0x1366, pid: 0x0105, device: 'SEGGER J-Link OB virtual COM port', boards: ['arduino-nano-33-ble-sense'], confidence: 'likely' },
  { vid: 0x239a, pid: 0x0029, device: 'Adafruit nRF52840 UF2 bootloader', boards: ['arduino-nano-33-ble-sense'], protocol: 'uf2', confidence: 'likely' },
];

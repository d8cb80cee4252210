/**
 * The int16 lookup tables of TFLite's 16x8 kernels (kernels/internal/common.h), bit for bit:
 *
 * - `lutPopulateInt16`: LUTPopulate<int16_t> with FloatT = float. The input range
 *   [scale·(-32768 - zp), scale·(32767 - zp)] is cut into 512 steps; entry i is the function at
 *   the step's start, rescaled to the int16 output range and corrected by half the error of the
 *   linear interpolation at the step's midpoint; entry 512 is the function at the range's end.
 *   Every step is float32 arithmetic (Math.fround after each operation) as the C++ computes it.
 *   The transform is evaluated in float32 too (`std::exp(float)` is expf): callers pass a
 *   function that rounds its result to float32.
 * - `lutLookup16`: LUTLookup(int16_t, const int16_t*), the interpolating read of such a table
 *   (9 index bits, 7 interpolation bits).
 * - `SIGMOID_TABLE_UINT16`: sigmoid_table_uint16, the 256-entry Q0.16 table of sigmoid(i/24)
 *   that TFLite's int16 Logistic and Tanh kernels interpolate (data: it is not a closed formula
 *   of i, see the test that spot-checks it against values published in TFLite's common.h).
 * - `checkedLog2`: kernel_util.cc CheckedLog2, the power-of-two test of int16 Logistic/Tanh.
 */
import { f32, roundHalfAway } from './fixed-point.js';

export const INT16_LUT_SIZE = 513;

/** LUTPopulate<int16_t>(input_scale, input_zp, output_scale, output_zp, transform, lut). */
export function lutPopulateInt16(inputScale: number, inputZeroPoint: number, outputScale: number, outputZeroPoint: number, transform: (x: number) => number): Int16Array {
  const s = f32(inputScale);
  const os = f32(outputScale);
  const inputMin = f32(s * (-32768 - inputZeroPoint));
  const inputMax = f32(s * (32767 - inputZeroPoint));
  const outputMin = f32(os * (-32768 - outputZeroPoint));
  const outputMax = f32(os * (32767 - outputZeroPoint));
  const nbSteps = 512;
  const step = f32(f32(inputMax - inputMin) / nbSteps);
  const halfStep = f32(step / 2);
  const scalingInv = f32(65536 / f32(outputMax - outputMin));
  const clamp = (v: number) => (v < -32768 ? -32768 : v > 32767 ? 32767 : v);
  const lut = new Int16Array(INT16_LUT_SIZE);
  for (let i = 0; i < nbSteps; i++) {
    const x = f32(inputMin + f32(i * step));
    const val = f32(transform(x));
    const valMidpoint = f32(transform(f32(x + halfStep)));
    const valNext = f32(transform(f32(inputMin + f32((i + 1) * step))));
    const sampleVal = roundHalfAway(f32(val * scalingInv));
    const midpointInterpVal = roundHalfAway(f32(f32(f32(valNext * scalingInv) + sampleVal) / 2));
    const midpointVal = roundHalfAway(f32(valMidpoint * scalingInv));
    const midpointErr = f32(midpointInterpVal - midpointVal);
    const bias = roundHalfAway(f32(midpointErr / 2));
    lut[i] = clamp(f32(sampleVal - bias));
  }
  lut[nbSteps] = clamp(roundHalfAway(f32(f32(transform(inputMax)) * scalingInv)));
  return lut;
}

/** LUTLookup(int16_t value, const int16_t* lut): base + rounded slope · (low 7 bits) / 128. */
export function lutLookup16(value: number, lut: Int16Array): number {
  const index = 256 + (value >> 7);
  const offset = value & 0x7f;
  const base = lut[index]!;
  const slope = ((lut[index + 1]! - base) << 16) >> 16; // int16_t slope
  const delta = (slope * offset + 64) >> 7;
  return ((base + delta) << 16) >> 16; // static_cast<int16_t>
}

/** kernel_util.cc CheckedLog2(float x): round(log2 x) and whether x is within 1e-3 of that power of two. */
export function checkedLog2(x: number): { log2: number; exact: boolean } {
  const xLog2 = f32(f32(Math.log(f32(x))) * f32(1 / f32(Math.log(2))));
  const rounded = roundHalfAway(xLog2);
  const frac = f32(xLog2 - rounded);
  return { log2: rounded, exact: Math.abs(frac) < f32(1e-3) };
}

/** sigmoid_table_uint16 of TFLite's common.h: sigmoid(i / 24) in Q0.16 for i = 0..255. */
export const SIGMOID_TABLE_UINT16: readonly number[] = [
  32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
  48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
  58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
  63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
  64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
  65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
  65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
  65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
  65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
  65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

//===- Contraction.h - A matmul-like linalg op, ready for the microkernel -*- C++ -*-===//
//
// kiln-lower-contractions replaces f32 matmul-like linalg ops on buffers (linalg.matmul
// in any operand orientation, linalg.batch_matmul, contraction generics) by register-tiled
// vector code. This header holds what the matcher found (Contraction, Epilogue) and the
// code generator's entry point; see LowerContractions.cpp for the matching and
// MicroKernel.cpp for the generated code.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_CPU_CONTRACTION_H
#define KILN_BACKENDS_CPU_CONTRACTION_H

#include "backends/target/Target.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace kiln::cpu {

/// Register tile: `rows` x (`vectors` * `width`) accumulators, `width` f32 lanes each.
struct TileShape {
  int64_t rows = 8;
  int64_t vectors = 2;
  int64_t width = 16;
  /// The target has AVX-512 VNNI (vpdpbusd): 8-bit contractions use Int8Kernel.cpp.
  bool vnni = false;
  /// The target has AVX-512 BF16 (vdpbf16ps): --precision=bf16 uses Bf16Kernel.cpp.
  bool bf16 = false;
  /// The target has AMX-BF16: the bf16 kernel runs on the tile unit where the OS grants it.
  bool amx = false;
  int64_t cols() const { return vectors * width; }
};

/// C[b, m, n] += A[b, m, k] * B[b, k, n] where each operand is read through its own
/// indexing map (so transposed and broadcast operands need no copy). Iteration dims are
/// numbered as in the linalg op. There may be several batch, m and k dims (a MatMul of
/// [batch, seq, K] by [K, N] is one m of batch * seq rows): tiles index them linearly
/// and split the index again, outermost first in C's order.
struct Contraction {
  mlir::linalg::LinalgOp op;
  mlir::Value a, b, c;
  mlir::AffineMap mapA, mapB, mapC;
  llvm::SmallVector<int64_t> batch, m, k;
  int64_t n = 0;
  unsigned numLoops = 0;
  /// B packed at compile time into panels [ceil(N / cols)][K][cols] (zero padded, K the
  /// k dims linearized in `k` order): each k step reads one row of `cols` floats. A B
  /// with batch dims (Winograd's 16 transformed filters) is packed per batch element:
  /// [batch sizes of `packedBatch`...][panels][K][cols].
  mlir::Value packedB;
  /// The batch dims (iteration dims, B's order) that index packedB's leading dims.
  llvm::SmallVector<int64_t> packedBatch;
  /// The value C was filled with just before the contraction (the fill is then dropped
  /// and the accumulators start from it instead of loading C).
  std::optional<mlir::TypedAttr> initValue;
  /// 4-bit weights (Int4Weights.cpp): packedB is i8 [panels][ceil(K / 2)][cols], k row
  /// 2r in the low nibbles of row r and 2r + 1 in the high ones, and
  ///   B[k, n] = nibble * int4Scales[panel][k / int4Block][col]
  ///                    + int4Offsets[panel][k / int4Block][col]
  /// (f32, [panels][ceil(K / int4Block)][cols]). Null when B is not 4-bit.
  mlir::Value int4Scales, int4Offsets;
  int64_t int4Block = 0;
};

/// An elementwise linalg.generic right after the contraction that reads C (or a reshaped
/// view of it) and writes `output`: it runs on the accumulator registers before they are
/// stored. Operands are seen through views of C's shape.
struct Epilogue {
  mlir::linalg::GenericOp op;
  unsigned cInput = 0;          ///< which input of `op` is C
  mlir::Value output;           ///< written instead of C (may be C itself), C's shape
  /// Where the output is stored when it cannot be viewed with C's shape (a padded
  /// buffer's interior): its indices as a map over the contraction's dims, splitting C's
  /// rows with floordiv/mod. Null: the output has C's shape and C's map.
  mlir::AffineMap outputMap;
  /// Per input of `op`: the buffer to read and its map over the contraction's dims.
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::AffineMap> inputMaps;
};

/// The elementwise consumer of `ct`'s C that its tiles can apply before the store, with
/// views of C's shape created for its operands (MatchEpilogue.cpp); nullopt if none.
std::optional<Epilogue> matchEpilogue(const Contraction &ct);

/// Whether the innermost dim of memref `v` has unit stride (or it is rank 0).
bool innermostContiguous(mlir::Value v);
/// Every result of `map` is a dim or the constant 0 (a broadcast operand).
bool isDimOrZeroMap(mlir::AffineMap map);
/// `expr` as sum(coeffs[d] * d) over `numDims` dims (no constant term), or nullopt when
/// it is not such a linear combination (KernelHelpers.cpp).
std::optional<llvm::SmallVector<int64_t>> linearCoefficients(mlir::AffineExpr expr,
                                                             unsigned numDims);
/// Whether `map`'s last result is dim `dim`.
bool endsWithDim(mlir::AffineMap map, int64_t dim);
/// The buffer a chain of views starts from.
mlir::Value rootOf(mlir::Value v);
/// Pure ops and allocations: moving code past them changes nothing.
bool isPureOrAlloc(mlir::Operation *op);

/// The f32 data of the constant global `v` reads (through reshapes only), row-major;
/// `storage` holds it when the global's attribute is not a raw blob.
std::optional<llvm::ArrayRef<float>> constantData(mlir::Value v, mlir::ModuleOp module,
                                                  std::vector<float> &storage);

/// Emits the AVX-512 BF16 kernel for `contraction` (f32 operands, B a constant; A rounded
/// to bf16 by a pre-pass, B packed as bf16 at compile time, f32 accumulation) before the
/// builder's insertion point, with `epilogue` applied in registers (Bf16Kernel.cpp).
/// False, with nothing emitted, when B is not a constant it can pack. `tile.width` must
/// be 16.
bool emitBf16Contraction(mlir::OpBuilder &builder, mlir::ModuleOp module,
                         const Contraction &contraction, const Epilogue *epilogue,
                         const TileShape &tile);

/// AMX (AmxTiles.cpp): a 32 x 32 block of C kept in `scratch` ([32][32]) is updated by
/// `steps` (run-time) steps, each of two A tiles (aBuffer at aIndex(half, step)), two B
/// tiles (bBuffer at bIndex(half, step)) and four `multiply(a, b, c)` tile products; the
/// C tiles stay in registers for a few steps between the scratch's load and store (all
/// of them for up to 16 static steps). `zeroStart`: C starts from zero tiles rather than
/// from the scratch.
void emitAmxBlockSteps(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scratch,
                       mlir::Value steps, bool zeroStart, mlir::amx::TileType abType,
                       mlir::amx::TileType cType,
                       mlir::Value aBuffer,
                       llvm::function_ref<llvm::SmallVector<mlir::Value>(int64_t, mlir::Value)> aIndex,
                       mlir::Value bBuffer,
                       llvm::function_ref<llvm::SmallVector<mlir::Value>(int64_t, mlir::Value)> bIndex,
                       llvm::function_ref<mlir::Value(mlir::Value, mlir::Value, mlir::Value)> multiply);

/// AMX (AmxTiles.cpp): the loops over C's 32 x 32 blocks. scf.parallel over (batch, group
/// of column panels, block of 32 rows), the group's panels in an inner loop, so a row
/// block of A is read once per group while the group's panels of B (at most 1 MiB in
/// all, `panelBytes` each) stay in L2. `body(batch, panel, rowBlock, scratch)` computes
/// one block; `scratch` is a [32][32] `scratchElement` stack buffer. `prologue(batch,
/// rowBlock)`, if given, runs once per row block before its panels and its result is
/// body's last argument (null without a prologue).
void emitAmxBlocks(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value batch, mlir::Value panels,
    mlir::Value rowBlocks, mlir::Value panelBytes, mlir::Type scratchElement,
    llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)> prologue,
    llvm::function_ref<void(mlir::Value, mlir::Value, mlir::Value, mlir::Value, mlir::Value)>
        body);

/// AMX (AmxTiles.cpp): a stack buffer of `type` ([32][row length]) whose row r is
/// `fillRow(row, r, buffer)` for row = firstRow + r, rows past `rows` - 1 repeating that
/// one (they feed C rows that are not stored). Emitted where the builder is.
mlir::Value emitAmxRowBlock(mlir::OpBuilder &b, mlir::Location loc, mlir::MemRefType type,
                            mlir::Value firstRow, mlir::Value rows,
                            llvm::function_ref<void(mlir::Value, mlir::Value, mlir::Value)> fillRow);

/// True when `init` (Contraction::initValue) is +0.
bool isZeroInit(const std::optional<mlir::TypedAttr> &init);

/// Calls the glue's kiln_rt_amx_enabled() (declared in `module` when needed: it asks Linux
/// for the tile state once) and emits `amx` where it returns nonzero, `fallback` otherwise.
void emitAmxOrFallback(mlir::OpBuilder &b, mlir::ModuleOp module, mlir::Location loc,
                       llvm::function_ref<void()> amx, llvm::function_ref<void()> fallback);

/// Emits the tiled code for `contraction` (and `epilogue`, if any) before its op. The
/// caller erases the replaced ops.
void emitContraction(mlir::OpBuilder &builder, const Contraction &contraction,
                     const Epilogue *epilogue, const TileShape &tile);

// KernelHelpers.cpp: the pieces every register-tiled kernel emits code with.

/// An index expression of the tile's iteration values `iv` (dims, constants, +, * and,
/// for split rows, floordiv/mod by constants) as arith ops.
mlir::Value emitIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineExpr e,
                      llvm::ArrayRef<mlir::Value> iv);
/// Splits a linear index over `sizes` (outermost first).
llvm::SmallVector<mlir::Value> emitDelinearize(mlir::OpBuilder &b, mlir::Location loc,
                                               mlir::Value linear,
                                               llvm::ArrayRef<mlir::Value> sizes);

/// A `width`-lane vector of `memref` at `idx` (innermost dim contiguous); masked lanes
/// (where `mask` is false) read as zero.
mlir::Value loadVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value memref,
                       mlir::ValueRange idx, int64_t width, mlir::Value mask);
void storeVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                 mlir::Value memref, mlir::ValueRange idx, mlir::Value mask);

/// `epi`'s body on `width`-lane vectors: `acc` stands for C's element; every other
/// input is read at `indices(map)` (its map over the kernel's iteration dims), as a
/// vector when the map ends with iteration dim `vectorDim`, else as a broadcast scalar.
/// Returns the value to store.
mlir::Value emitVectorEpilogue(mlir::OpBuilder &b, mlir::Location loc, const Epilogue &epi,
                               mlir::Value acc, unsigned vectorDim, int64_t width,
                               mlir::Value mask,
                               llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::AffineMap)>
                                   indices);

/// f32 depthwise convolution on channels-last buffers, as kiln-convert-onnx-to-linalg
/// emits it, with S = 2 (NHWC) or 3 (NDHWC) spatial dims:
///   out[n, o..., c] += in[n, o_i * s_i + k_i * d_i..., c] * w[k..., c]
/// (2-D: out[n, oh, ow, c] += in[n, oh * sh + kh * dh, ow * sw + kw * dw, c] * w[kh, kw, c])
/// with `in` already padded; the generic's loops are (n, o..., k..., c).
struct Depthwise {
  /// How a tap joins the accumulator: out + in * w (a depthwise convolution), out + in
  /// (a sum pool: `filter` is the pool's window operand, never read) or max(out, in) (a
  /// max pool, arith.maximumf).
  enum class Combine { MulAdd, Add, Max };
  mlir::linalg::GenericOp op;
  Combine combine = Combine::MulAdd;
  mlir::Value input, filter, output;
  int64_t spatial = 2;
  llvm::SmallVector<int64_t, 3> strides, dilations;
  /// As Contraction::initValue.
  std::optional<mlir::TypedAttr> initValue;
};

/// Emits the vectorized depthwise kernel (DepthwiseKernel.cpp) before `dw.op`, with
/// `epilogue` applied in registers; `width` f32 lanes per vector.
void emitDepthwise(mlir::OpBuilder &builder, const Depthwise &dw, const Epilogue *epilogue,
                   int64_t width);

/// An 8-bit operand of an i32 contraction, as MatMulInteger and ConvInteger lower it: the
/// contraction reads an i32 buffer that an elementwise generic (`widening`) filled with
/// ext(narrow) - zero point. The VNNI kernel reads `narrow` instead (through the same
/// reshapes) and accounts for the zero point after the dot products.
struct Int8Operand {
  mlir::linalg::GenericOp widening;
  /// The 8-bit buffer the widening reads (its shape); null when the 8-bit value is
  /// computed in the widening's body (`quantized`: a quantization fused into it), which
  /// emitInt8Contraction then writes to a buffer of its own.
  mlir::Value narrow;
  mlir::Value quantized;
  bool isUnsigned = false; ///< extui (u8) or extsi (i8)
  /// The zero point subtracted: a rank-0 8-bit buffer (`zeroBuffer`, extended as
  /// `zeroUnsigned` says), an i32 constant (`zeroConstant`), or neither (none).
  mlir::Value zeroBuffer;
  bool zeroUnsigned = false;
  std::optional<int64_t> zeroConstant;
};

/// An i32 contraction of two widened 8-bit operands (one k dim, A contiguous along it).
struct Int8Contraction {
  Contraction ct;
  Int8Operand a, b;
};

/// Matches `ct` as an Int8Contraction whose narrow operands no op between the widenings
/// and `until` (where the kernel will go) writes.
std::optional<Int8Contraction> matchInt8Contraction(const Contraction &ct,
                                                    mlir::Operation *until);

/// The 8-bit values `operand`'s widening computes in its body (`quantized`), written by a
/// copy of the widening (right after it) to a new buffer of the widened buffer's shape.
mlir::Value materializeNarrow(const Int8Operand &operand);

/// The bytes of the constant global `v` reads (through reshapes), row-major; `storage`
/// holds them when they are not stored as raw bytes. Elements narrower than 8 bits (i4)
/// come one per byte, zero-extended.
std::optional<llvm::ArrayRef<int8_t>> constantBytes(mlir::Value v, mlir::ModuleOp module,
                                                    std::vector<int8_t> &storage);

/// The i32 values of `operand` (as 32-bit words, row-major) when it is the widening (before
/// `contraction`) of a constant 8-bit global minus a constant zero point: what the i32
/// register tiles pack at compile time.
std::optional<std::vector<uint32_t>> widenedConstant(mlir::Value operand,
                                                     mlir::Operation *contraction,
                                                     mlir::ModuleOp module);

/// `root` (a buffer of the widened buffer's shape) seen through the reshapes that lead
/// from the widened buffer to `operand`.
mlir::Value viewLike(mlir::OpBuilder &b, mlir::Value operand, mlir::Value root);

/// `operand` (of an i32 contraction) as a view of a new constant global, when it is the
/// widening of a constant 8-bit global minus a constant zero point (widenedConstant): the
/// i32 register tiles then read the weight widened at compile time, not every run. Null
/// otherwise.
mlir::Value foldWidenedConstant(mlir::OpBuilder &b, mlir::Value operand,
                                mlir::Operation *contraction, mlir::ModuleOp module);

/// Packs `ct`'s B as 4-bit weights (sets packedB, int4Scales, int4Offsets, int4Block)
/// when B is the dequantization of constant integers that fit in 4 bits by constant
/// scales (and zero points), blocked along its k dim: what DequantizeLinear of a 4-bit
/// weight (kilnc --quantize=int4-weights, MatMulNBits, int4 QDQ models) lowers to. The
/// packings are shared between contractions that read the same weight alike
/// (Int4Weights.cpp). `cols` is the tile's width in columns.
class Int4Packer {
public:
  explicit Int4Packer(mlir::ModuleOp module) : module(module) {}
  bool pack(mlir::OpBuilder &b, Contraction &ct, int64_t cols);

private:
  mlir::ModuleOp module;
  /// key -> names of the packed values, scales and offsets globals, and the block size.
  std::map<std::string, std::tuple<std::string, std::string, std::string, int64_t>> packed;
};

/// The last linalg.generic before `contraction` that writes the whole buffer `operand`
/// views (through reshapes) over its identity map, when between the two only linalg ops
/// read that buffer and nothing writes it; null otherwise.
mlir::linalg::GenericOp lastWholeWriter(mlir::Value operand, mlir::Operation *contraction);

/// Erases every linalg.generic of `module` that only writes a buffer of its own (an
/// allocation) which nothing reads before it is overwritten as a whole (or at all): the
/// widenings that packed weights and the VNNI kernels replace.
void eraseDeadStores(mlir::ModuleOp module);

/// Emits the AVX-512 VNNI kernel for `q` before the builder's insertion point (with
/// `epilogue` applied in registers); a constant B is packed at compile time into a new
/// global of `module`. `tile.width` must be 16.
void emitInt8Contraction(mlir::OpBuilder &builder, mlir::ModuleOp module,
                         const Int8Contraction &q, const Epilogue *epilogue,
                         const TileShape &tile);

/// The register tile for the compile target's vector ISA (AVX-512, AVX2 or SSE).
TileShape chooseTileShape(const CompileOptions &options);

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_CONTRACTION_H

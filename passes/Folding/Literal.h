//===- Literal.h - Constant tensors the folding passes compute with -*- C++ -*-===//
//
// A Literal is an onnx.Constant's value unpacked into host memory: floats as doubles
// (exact for f16, bf16, f32 and f64), integers and bools as int64_t. kiln-fold-constants
// and the plugins' rewrites (kiln-fuse) read constants into Literals, compute with ONNX
// semantics, and write the result back as an onnx.Constant of the same element type,
// rounding floats once to that type.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_FOLDING_LITERAL_H
#define KILN_PASSES_FOLDING_LITERAL_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <vector>

namespace kiln::folding {

struct Literal {
  llvm::SmallVector<int64_t> shape;
  /// f16, bf16, f32, f64, a signless/signed/unsigned integer of at most 64 bits, or i1.
  mlir::Type elementType;
  /// The elements in row-major order: `floats` for float types, else `ints`.
  std::vector<double> floats;
  std::vector<int64_t> ints;

  bool isFloat() const { return mlir::isa<mlir::FloatType>(elementType); }
  int64_t numElements() const;
  mlir::RankedTensorType getType() const {
    return mlir::RankedTensorType::get(shape, elementType);
  }
  /// Element `i` as a double (integers converted).
  double getDouble(int64_t i) const { return isFloat() ? floats[i] : double(ints[i]); }
  /// A literal of `shape` and `elementType` with zeroed elements.
  static Literal zeros(llvm::ArrayRef<int64_t> shape, mlir::Type elementType);
};

/// Whether a Literal can hold elements of `type` in a Literal.
bool isSupportedElementType(mlir::Type type);

/// Rounds `v` to the float type `type` (f16, bf16, f32, f64), round-to-nearest-even.
double roundToFloatType(double v, mlir::Type type);
/// Wraps `v` to the integer type `type` (two's complement; i1 is v != 0).
int64_t wrapToIntType(int64_t v, mlir::Type type);

/// The value of an onnx.Constant (a `value` DenseElementsAttr or
/// DenseResourceElementsAttr, or the scalar/list `value_*` forms), or nullopt when `v`
/// is not produced by one or its element type is not supported.
std::optional<Literal> readConstant(mlir::Value v);

/// Whether `v` is produced by an onnx.Constant whose value readConstant can read.
bool isConstant(mlir::Value v);

/// A new onnx.Constant holding `lit`: inline when small, as a resource blob otherwise
/// (as the importer stores initializers).
mlir::Value createConstant(mlir::OpBuilder &b, mlir::Location loc, const Literal &lit);

/// The multidirectional (numpy) broadcast of two shapes, or nullopt.
std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                         llvm::ArrayRef<int64_t> b);

/// For each element of a tensor of shape `outShape`, the row-major index of the element
/// of `inShape` (broadcast to `outShape`) it reads.
std::vector<int64_t> broadcastIndices(llvm::ArrayRef<int64_t> inShape,
                                      llvm::ArrayRef<int64_t> outShape);

} // namespace kiln::folding

#endif // KILN_PASSES_FOLDING_LITERAL_H

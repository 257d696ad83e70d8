//===- LegacyUpgrades.h - Hand-written upgrades of older op signatures -*- C++ -*-===//
//
// kiln-upgrade-onnx-ops rewrites every older ONNX op signature (onnx.<Op>V<n>) as the newest
// one. Where the newest op computes the same thing given the same inputs, the generated table
// (KILN_ONNX_OP_UPGRADE in ir/onnx/OnnxOpVersions.inc) drives the rewrite. Where the meaning
// changed between versions (legacy broadcasting, a coerced 2-D Softmax, Upsample and Resize-10
// coordinates, attributes that became typed inputs), a hand-written upgrade in this folder
// builds the newest ops that compute the old semantics:
//
//   UpgradeBroadcast.cpp  Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less with `broadcast`
//   UpgradeMath.cpp       Softmax/LogSoftmax/Hardmax before opset 13, Clip before 11, DFT 17
//   UpgradeNN.cpp         BatchNormalization before 14, LpPool/GlobalLpPool 1, GridSample 16,
//                         RoiAlign 10
//   UpgradeTensor.cpp     Upsample, Resize 10/11/13, Pad before 18, Cast 1, Concat 1, Split 1,
//                         Tile 1, TopK 1
//
// The same pass expands ONNX Runtime's contrib ops (`onnx.ms.*`), which have no lowering of
// their own, into the default-domain ops that compute them:
//
//   UpgradeContribQuantization.cpp  DequantizeLinear, QuantizeLinear, QLinearConv,
//                                   QLinearAdd, QLinearMul, QGemm, DynamicQuantizeLSTM,
//                                   MatMulNBits
//   UpgradeContribTransformer.cpp   Gelu, BiasGelu, FastGelu, QuickGelu, FusedMatMul,
//                                   SkipLayerNormalization, SkipSimplifiedLayerNormalization,
//                                   SimplifiedLayerNormalization, Attention
//
// New values get unranked result types; kiln-infer-shapes, which runs next, refines them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_UPGRADE_LEGACYUPGRADES_H
#define KILN_PASSES_UPGRADE_LEGACYUPGRADES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

namespace kiln::upgrade {

/// Builds onnx ops by name at one insertion point, for one replaced node.
class OnnxBuilder {
public:
  OnnxBuilder(mlir::OpBuilder &b, mlir::Operation *replaced)
      : b(b), replaced(replaced), loc(replaced->getLoc()) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Location getLoc() const { return loc; }

  /// The registered op `name` ("onnx.Add") with these operands, attributes and results.
  mlir::Operation *create(llvm::StringRef name, mlir::ValueRange operands,
                          llvm::ArrayRef<mlir::NamedAttribute> attrs, mlir::TypeRange results);
  /// One-result op whose result is an unranked tensor of `elementType`.
  mlir::Value op(llvm::StringRef name, mlir::ValueRange operands, mlir::Type elementType,
                 llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  /// An absent optional input.
  mlir::Value none();
  /// A 1-D int64 constant.
  mlir::Value i64s(llvm::ArrayRef<int64_t> values);
  /// A 1-D f32 constant.
  mlir::Value f32s(llvm::ArrayRef<float> values);
  /// A rank-0 constant of `elementType` (a float or integer type).
  mlir::Value scalar(mlir::Type elementType, double value);

  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return b.getNamedAttr(name, value);
  }
  mlir::NamedAttribute intAttr(llvm::StringRef name, int64_t value) {
    return attr(name, b.getI64IntegerAttr(value));
  }
  mlir::NamedAttribute strAttr(llvm::StringRef name, llvm::StringRef value) {
    return attr(name, b.getStringAttr(value));
  }

  /// Replaces the node's results with `values` (a trailing result without a value must be
  /// unused) and erases it.
  mlir::LogicalResult replaceWith(mlir::ValueRange values);
  /// Rewrites the node as the op `newName` with `operands` and the node's attributes minus
  /// `dropped` plus `added`, keeping its result types (`extraResults` more of type none).
  mlir::LogicalResult rename(llvm::StringRef newName, mlir::ValueRange operands,
                             llvm::ArrayRef<llvm::StringRef> dropped = {},
                             llvm::ArrayRef<mlir::NamedAttribute> added = {},
                             unsigned extraResults = 0);
  /// An error naming the node: "node 'x' (Resize): <message>".
  mlir::LogicalResult fail(const llvm::Twine &message);

private:
  mlir::OpBuilder &b;
  mlir::Operation *replaced;
  mlir::Location loc;
};

/// Rewrites its op (through `b`, which was made for it) or fails with an error naming it.
using LegacyUpgrade = mlir::LogicalResult (*)(mlir::Operation *op, OnnxBuilder &b);

void addBroadcastUpgrades(llvm::StringMap<LegacyUpgrade> &table);
void addMathUpgrades(llvm::StringMap<LegacyUpgrade> &table);
void addNNUpgrades(llvm::StringMap<LegacyUpgrade> &table);
void addTensorUpgrades(llvm::StringMap<LegacyUpgrade> &table);
/// ONNX Runtime's contrib ops (`onnx.ms.*`, ir/onnx/contrib_schemas.py), expanded into
/// default-domain ops: UpgradeContribQuantization.cpp and UpgradeContribTransformer.cpp.
void addContribQuantizationUpgrades(llvm::StringMap<LegacyUpgrade> &table);
void addContribTransformerUpgrades(llvm::StringMap<LegacyUpgrade> &table);

/// The integer attribute `name` of `op`, or `fallback` when it is absent.
int64_t intAttrOr(mlir::Operation *op, llvm::StringRef name, int64_t fallback);
/// The rank of `value`'s type, or -1 when it is unranked.
int64_t rankOf(mlir::Value value);
/// The element type of `value`'s tensor type.
mlir::Type elementTypeOf(mlir::Value value);

} // namespace kiln::upgrade

#endif // KILN_PASSES_UPGRADE_LEGACYUPGRADES_H

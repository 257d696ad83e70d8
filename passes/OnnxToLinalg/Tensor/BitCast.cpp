//===- BitCast.cpp - Lower onnx.BitCast to an elementwise bitcast ---------===//
//
// BitCast reinterprets each element's bits as another type of the same width: one
// elementwise linalg.generic of arith.bitcast. ONNX stores a bool in a byte holding 0 or
// 1, so bool <-> (u)int8 extends or tests the byte instead.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The bits an ONNX element of `type` occupies (a bool is a byte).
unsigned storageBits(Type type) { return type.isInteger(1) ? 8 : type.getIntOrFloatBitWidth(); }

struct BitCastLowering : OnnxLoweringPattern<BitCastOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(BitCastOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inType = getRankedInputType(rewriter, op, adaptor.getInput());
    if (!inType)
      return failure();
    Type from = inType.getElementType(), to = resultType.getElementType();
    if (!from.isIntOrFloat() || !to.isIntOrFloat())
      return reject(rewriter, op, "complex element types are not supported");
    if (storageBits(from) != storageBits(to))
      return reject(rewriter, op,
                    "the element types have different widths (" + Twine(storageBits(from)) +
                        " and " + Twine(storageBits(to)) + " bits)");
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          if (from == to)
            return x;
          if (from.isInteger(1)) { // 0 or 1 in a byte
            Value byte = arith::ExtUIOp::create(b, loc, b.getI8Type(), x);
            return to.isInteger(8) ? byte : arith::BitcastOp::create(b, loc, to, byte).getResult();
          }
          if (to.isInteger(1)) { // any nonzero byte reads as true
            if (!from.isInteger(8))
              x = arith::BitcastOp::create(b, loc, b.getI8Type(), x);
            return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                         arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0));
          }
          return arith::BitcastOp::create(b, loc, to, x);
        },
        op);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateBitCastPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<BitCastLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion

//===- MelWeightMatrix.cpp - Lower onnx.MelWeightMatrix to linalg.generic -===//
//
// MelWeightMatrix is [dft_length / 2 + 1, num_mel_bins]: column i is a triangle over the
// spectrogram bins rising from fb[i] to fb[i + 1] and falling to fb[i + 2], where fb[k]
// = floor((dft_length + 1) * hz(low_mel + k * mel_step) / sample_rate) and mel_step spans
// [mel(lower_edge_hertz), mel(upper_edge_hertz)] in num_mel_bins + 2 steps (the ONNX
// reference). One linalg.generic computes each element in f64 from the scalar inputs.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/TypeConverter.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

#include <cmath>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct MelWeightMatrixLowering : OnnxLoweringPattern<MelWeightMatrixOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MelWeightMatrixOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (resultType.getRank() != 2)
      return reject(rewriter, op, "the result is not 2-D");
    Location loc = op.getLoc();
    Type f64 = rewriter.getF64Type(), i64 = rewriter.getI64Type();
    auto scalar = [&](Value v) {
      Value s = extractScalar(rewriter, loc, v);
      if (isa<FloatType>(s.getType()))
        return s.getType() == f64 ? s : Value(arith::ExtFOp::create(rewriter, loc, f64, s));
      return s.getType() == i64 ? s : Value(arith::ExtSIOp::create(rewriter, loc, i64, s));
    };
    Value numMel = scalar(adaptor.getNumMelBins());
    Value dftLength = scalar(adaptor.getDftLength());
    Value sampleRate = scalar(adaptor.getSampleRate());
    Value lower = scalar(adaptor.getLowerEdgeHertz());
    Value upper = scalar(adaptor.getUpperEdgeHertz());
    Type indexType = rewriter.getIndexType();
    Value melIdx = arith::IndexCastOp::create(rewriter, loc, indexType, numMel);
    Value dftIdx = arith::IndexCastOp::create(rewriter, loc, indexType, dftLength);
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(melIdx),
               rewriter.getIndexAttr(0), "num_mel_bins is {}, less than {}");
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(dftIdx),
               rewriter.getIndexAttr(0), "dft_length is {}, less than {}");
    Value bins = arith::AddIOp::create(
        rewriter, loc,
        arith::DivUIOp::create(rewriter, loc, dftIdx,
                               arith::ConstantIndexOp::create(rewriter, loc, 2)),
        arith::ConstantIndexOp::create(rewriter, loc, 1));

    auto c = [&](OpBuilder &b, Location l, double v) { return createScalarConstant(b, l, f64, v); };
    auto toF64 = [&](OpBuilder &b, Location l, Value v) {
      return arith::SIToFPOp::create(b, l, f64, v);
    };
    // mel(f) = 2595 log10(1 + f / 700)
    auto mel = [&](OpBuilder &b, Location l, Value hz) -> Value {
      Value ratio =
          arith::AddFOp::create(b, l, c(b, l, 1), arith::DivFOp::create(b, l, hz, c(b, l, 700)));
      return arith::MulFOp::create(b, l, math::LogOp::create(b, l, ratio),
                                   c(b, l, 2595 / std::log(10.0)));
    };
    Value lowMel = mel(rewriter, loc, lower);
    Value highMel = mel(rewriter, loc, upper);
    Value melStep = arith::DivFOp::create(
        rewriter, loc, arith::SubFOp::create(rewriter, loc, highMel, lowMel),
        toF64(rewriter, loc,
              arith::AddIOp::create(rewriter, loc, numMel,
                                    arith::ConstantIntOp::create(rewriter, loc, i64, 2))));
    Value dftPlusOne =
        toF64(rewriter, loc,
              arith::AddIOp::create(rewriter, loc, dftLength,
                                    arith::ConstantIntOp::create(rewriter, loc, i64, 1)));
    Value rate = toF64(rewriter, loc, sampleRate);
    // fb[k] as an f64 holding an integer.
    auto frequencyBin = [&](OpBuilder &b, Location l, Value k) -> Value {
      Value m =
          arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, toF64(b, l, k), melStep), lowMel);
      Value hz = arith::MulFOp::create(
          b, l, c(b, l, 700),
          arith::SubFOp::create(
              b, l,
              math::ExpOp::create(b, l,
                                  arith::MulFOp::create(b, l, m, c(b, l, std::log(10.0) / 2595))),
              c(b, l, 1)));
      Value scaled = arith::DivFOp::create(b, l, arith::MulFOp::create(b, l, dftPlusOne, hz), rate);
      return math::FloorOp::create(b, l, scaled);
    };

    auto type = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                      resultType.getElementType());
    Value init = createEmpty(rewriter, loc, type, ValueRange{bins, melIdx});
    bool dstUnsigned = isUnsignedInt(op.getResult().getType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(2)},
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value j =
              toF64(b, l, arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, 0)));
          Value i = arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, 1));
          Value one = arith::ConstantIntOp::create(b, l, i64, 1);
          Value lo = frequencyBin(b, l, i);
          Value center = frequencyBin(b, l, arith::AddIOp::create(b, l, i, one));
          Value hi = frequencyBin(
              b, l, arith::AddIOp::create(b, l, i, arith::ConstantIntOp::create(b, l, i64, 2)));
          auto cmp = [&](arith::CmpFPredicate p, Value x, Value y) {
            return arith::CmpFOp::create(b, l, p, x, y);
          };
          Value zero = c(b, l, 0);
          // Falling edge [center, hi) when hi > center; it overwrites the rising edge.
          Value falling = arith::AndIOp::create(
              b, l, cmp(arith::CmpFPredicate::OGT, hi, center),
              arith::AndIOp::create(b, l, cmp(arith::CmpFPredicate::OGE, j, center),
                                    cmp(arith::CmpFPredicate::OLT, j, hi)));
          Value fallValue = arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, hi, j),
                                                  arith::SubFOp::create(b, l, hi, center));
          // Rising edge [lo, center]: a single 1 at center when lo == center.
          Value rising = arith::AndIOp::create(b, l, cmp(arith::CmpFPredicate::OGE, j, lo),
                                               cmp(arith::CmpFPredicate::OLE, j, center));
          Value flat = cmp(arith::CmpFPredicate::OEQ, lo, center);
          Value riseValue = arith::SelectOp::create(
              b, l, flat, c(b, l, 1),
              arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, j, lo),
                                    arith::SubFOp::create(b, l, center, lo)));
          Value v = arith::SelectOp::create(b, l, rising, riseValue, zero);
          v = arith::SelectOp::create(b, l, falling, fallValue, v);
          linalg::YieldOp::create(b, l,
                                  castScalar(b, l, v, type.getElementType(), false, dstUnsigned));
        });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, generic.getResult(0), resultType));
    return success();
  }
};

} // namespace

void populateMelWeightMatrixPatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<MelWeightMatrixLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion

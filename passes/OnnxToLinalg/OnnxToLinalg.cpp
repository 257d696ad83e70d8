//===- OnnxToLinalg.cpp - The kiln-convert-onnx-to-linalg pass ------------===//

#include "ir/kiln/KilnDialect.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "passes/Passes.h.inc"
} // namespace kiln
#include "kiln/NodeLoc.h"

using namespace mlir;
using namespace kiln::conversion;

namespace {

struct ConvertOnnxToLinalgPass
    : kiln::impl::ConvertOnnxToLinalgBase<ConvertOnnxToLinalgPass> {
  using ConvertOnnxToLinalgBase::ConvertOnnxToLinalgBase;

  kiln::PassStatistic numWinograd{this, "winograd",
                                  "3x3 convolutions lowered as Winograd F(2x2, 3x3)"};

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    OnnxTypeConverter converter;

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, math::MathDialect, linalg::LinalgDialect,
                           tensor::TensorDialect, scf::SCFDialect,
                           bufferization::BufferizationDialect, complex::ComplexDialect>();
    target.addIllegalDialect<kiln::onnxir::ONNXDialect>();
    target.addIllegalOp<kiln::kilnir::ConvNhwcOp, kiln::kilnir::PoolNhwcOp>();
    // Run-time checks of indices and divisors that the lowerings emit.
    target.addLegalOp<kiln::kilnir::CheckOp>();
    // Omitted optional inputs: they die with their users and are erased below.
    target.addLegalOp<kiln::onnxir::NoValueOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return converter.isLegal(op.getOperandTypes()); });

    RewritePatternSet patterns(ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateIfPatterns(converter, patterns);
    populateLoopPatterns(converter, patterns);
    populateScanPatterns(converter, patterns);
    populateConstantPatterns(converter, patterns);
    populateEyeLikePatterns(converter, patterns);
    populateRangePatterns(converter, patterns);
    populateGatherPatterns(converter, patterns);
    populateOneHotPatterns(converter, patterns);
    populateScatterPatterns(converter, patterns);
    populateTensorScatterPatterns(converter, patterns);
    populateLogicalElementwisePatterns(converter, patterns);
    populateMathElementwisePatterns(converter, patterns);
    populateActivationPatterns(converter, patterns);
    populateCumSumPatterns(converter, patterns);
    populateDetPatterns(converter, patterns);
    populateDFTPatterns(converter, patterns);
    populateEinsumPatterns(converter, patterns);
    populateExpandPatterns(converter, patterns);
    populateLossPatterns(converter, patterns);
    populateMatMulPatterns(converter, patterns);
    populateMelWeightMatrixPatterns(converter, patterns);
    populateSoftmaxPatterns(converter, patterns);
    populateTopKPatterns(converter, patterns);
    populateWindowFunctionPatterns(converter, patterns);
    populateAttentionPatterns(converter, patterns);
    populateCol2ImPatterns(converter, patterns);
    populateCausalConvPatterns(converter, patterns);
    populateConvPatterns(converter, patterns);
    populateConvIntegerPatterns(converter, patterns);
    populateConvNhwcPatterns(converter, patterns, winograd ? &numWinograd : nullptr,
                             winogradNodes);
    populatePoolNhwcPatterns(converter, patterns);
    populateConvTransposePatterns(converter, patterns);
    populateDeformConvPatterns(converter, patterns);
    populateDropoutPatterns(converter, patterns);
    populateFlattenPatterns(converter, patterns);
    populateLinearAttentionPatterns(converter, patterns);
    populateNormPatterns(converter, patterns);
    populatePoolPatterns(converter, patterns);
    populateMaxUnpoolPatterns(converter, patterns);
    populateRotaryEmbeddingPatterns(converter, patterns);
    populateShrinkPatterns(converter, patterns);
    populateTfIdfVectorizerPatterns(converter, patterns);
    populateRoiAlignPatterns(converter, patterns);
    populateNonMaxSuppressionPatterns(converter, patterns);
    populateQuantizeLinearPatterns(converter, patterns);
    populateDynamicQuantizeLinearPatterns(converter, patterns);
    populateLSTMPatterns(converter, patterns);
    populateGRUPatterns(converter, patterns);
    populateRNNPatterns(converter, patterns);
    populateArgMinMaxPatterns(converter, patterns);
    populateReducePatterns(converter, patterns);
    populateBitCastPatterns(converter, patterns);
    populateCastPatterns(converter, patterns);
    populateAffineGridPatterns(converter, patterns);
    populateCenterCropPadPatterns(converter, patterns);
    populateConcatPatterns(converter, patterns);
    populateDepthToSpacePatterns(converter, patterns);
    populateTensorElementwisePatterns(converter, patterns);
    populateGridSamplePatterns(converter, patterns);
    populateCompressPatterns(converter, patterns);
    populateNonZeroPatterns(converter, patterns);
    populatePadPatterns(converter, patterns);
    populateReshapePatterns(converter, patterns);
    populateResizePatterns(converter, patterns);
    populateReverseSequencePatterns(converter, patterns);
    populateShapePatterns(converter, patterns);
    populateSlicePatterns(converter, patterns);
    populateSplitPatterns(converter, patterns);
    populateSqueezePatterns(converter, patterns);
    populateTilePatterns(converter, patterns);
    populateTransposePatterns(converter, patterns);
    populateTriluPatterns(converter, patterns);
    populateUniquePatterns(converter, patterns);
    populateSequencePatterns(converter, patterns);
    populateSplitConcatSequencePatterns(converter, patterns);
    populateSequenceMapPatterns(converter, patterns);
    populateArrayFeatureExtractorPatterns(converter, patterns);
    populateMLElementwisePatterns(converter, patterns);
    populateTreeEnsemblePatterns(converter, patterns);
    populateTreeEnsembleRegressorPatterns(converter, patterns);
    populateOptimizerPatterns(converter, patterns);

    // The driver reports the op it could not legalize as "failed to legalize operation
    // 'onnx.X'"; replace that with an error naming the ONNX node, its op type and the
    // reason the patterns gave.
    RejectionCollector collector;
    SmallVector<std::pair<Location, std::string>> unlowered;
    {
      ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
        std::string text = diag.str();
        StringRef message = text;
        if (diag.getSeverity() != DiagnosticSeverity::Error ||
            !message.consume_front("failed to legalize operation '"))
          return failure(); // not the driver's: let it through
        unlowered.emplace_back(diag.getLocation(), message.split('\'').first.str());
        return success();
      });
      if (succeeded(
              applyPartialConversion(getOperation(), target, std::move(patterns)))) {
        getOperation().walk([](kiln::onnxir::NoValueOp op) {
          if (op->use_empty())
            op->erase();
        });
        return;
      }
    }
    for (auto &[loc, opName] : unlowered) {
      InFlightDiagnostic diag = emitError(loc) << kiln::describeNode(loc, opName)
                                               << ": cannot be compiled: ";
      StringRef reason = collector.reasonFor(loc);
      diag << (reason.empty() ? StringRef("no lowering for this operator yet") : reason);
    }
    signalPassFailure();
  }
};

} // namespace

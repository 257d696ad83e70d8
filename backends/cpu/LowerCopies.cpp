//===- LowerCopies.cpp - Strided memref.copy as linalg.copy ---------------===//
//
// finalize-memref-to-llvm lowers a memref.copy between non-contiguous buffers (the
// interior of a padded tensor, a slice) to a call to the generic `memrefCopy`, which
// copies element by element through a descriptor walk: the padding of a convolution's
// input cost as much as the convolution. As a linalg.copy the copy becomes parallel loops
// that LLVM vectorizes and that run on the runtime's threads. Contiguous copies stay
// memref.copy (a memcpy).
//
// Dims that are contiguous in both buffers are collapsed first, so the innermost loop is
// as long as it can be: the padding copy of an NHWC depthwise conv whose input was
// reshaped (C as 34x4 after a channel shuffle) copied 4 floats per inner loop; collapsed,
// it copies W*C floats per row (ShuffleNet's padding copies: 3.5x faster).
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_LOWERCOPIES
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

bool isContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getLayout().isIdentity();
}

/// Whether dim `d` and dim `d + 1` of `type` are one run of memory: static sizes and
/// strides with stride[d] == stride[d + 1] * size[d + 1].
bool mergesWithNext(MemRefType type, int64_t d) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t inner = type.getDimSize(d + 1);
  return !ShapedType::isDynamic(strides[d]) && !ShapedType::isDynamic(strides[d + 1]) &&
         !ShapedType::isDynamic(inner) && strides[d] == strides[d + 1] * inner;
}

/// The grouping of dims (outermost first) that merges every dim with the next one where
/// both buffers allow it; empty when nothing merges.
SmallVector<ReassociationIndices> contiguousGroups(MemRefType source, MemRefType target) {
  SmallVector<ReassociationIndices> groups;
  bool merged = false;
  for (int64_t d = 0; d < source.getRank(); ++d) {
    if (d > 0 && mergesWithNext(source, d - 1) && mergesWithNext(target, d - 1)) {
      groups.back().push_back(d);
      merged = true;
    } else {
      groups.push_back({d});
    }
  }
  if (!merged)
    return {};
  return groups;
}

struct LowerCopiesPass : kiln::cpu::impl::LowerCopiesBase<LowerCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto type = dyn_cast<MemRefType>(copy.getSource().getType());
      if (type && type.getRank() > 0 &&
          (!isContiguous(copy.getSource()) || !isContiguous(copy.getTarget())))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      Value source = copy.getSource(), target = copy.getTarget();
      auto sourceType = cast<MemRefType>(source.getType());
      auto targetType = cast<MemRefType>(target.getType());
      SmallVector<ReassociationIndices> groups = contiguousGroups(sourceType, targetType);
      if (!groups.empty() &&
          memref::CollapseShapeOp::isGuaranteedCollapsible(sourceType, groups) &&
          memref::CollapseShapeOp::isGuaranteedCollapsible(targetType, groups)) {
        source = memref::CollapseShapeOp::create(b, copy.getLoc(), source, groups);
        target = memref::CollapseShapeOp::create(b, copy.getLoc(), target, groups);
      }
      linalg::CopyOp::create(b, copy.getLoc(), source, target);
      copy.erase();
    }
  }
};

} // namespace

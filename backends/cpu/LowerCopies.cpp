//===- LowerCopies.cpp - Strided memref.copy as linalg.copy ---------------===//
//
// finalize-memref-to-llvm lowers a memref.copy between non-contiguous buffers (the
// interior of a padded tensor, a slice) to a call to the generic `memrefCopy`, which
// copies element by element through a descriptor walk: the padding of a convolution's
// input cost as much as the convolution. As a linalg.copy the copy becomes parallel loops
// that LLVM vectorizes and that run on the runtime's threads. Contiguous copies stay
// memref.copy (a memcpy).
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

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
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace

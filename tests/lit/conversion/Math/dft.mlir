// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that DFT with a run-time axis checks it (in range, not the last dim) and switches
// on it, each case one generic summing over the input samples with f64 twiddles.
// CHECK-LABEL: func.func @dft_runtime_axis
// CHECK: kiln.check {{.*}}axis {} is out of range for rank {}
// CHECK: kiln.check {{.*}}names one of the trailing dims
// CHECK: scf.index_switch {{.*}} -> tensor<?x?x?x2xf32>
// CHECK: case 1 {
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.remui
// CHECK: math.cos {{.*}} : f64
// CHECK: math.sin {{.*}} : f64
// CHECK: arith.truncf {{.*}} : f64 to f32
// CHECK: case 2 {
// CHECK: default {
// CHECK: tensor.cast {{.*}} : tensor<?x?x?x2xf32> to tensor<1x10x10x2xf32>
func.func @dft_runtime_axis(%x: tensor<1x10x10x1xf32>, %a: tensor<i64>) -> tensor<1x10x10x2xf32> {
  %n = onnx.NoValue
  %0 = "onnx.DFT"(%x, %n, %a) : (tensor<1x10x10x1xf32>, none, tensor<i64>) -> tensor<1x10x10x2xf32>
  return %0 : tensor<1x10x10x2xf32>
}

// -----

// Tests that the one-sided inverse (irfft) sums the n / 2 + 1 = 6 bins into a real
// signal of n = 10 samples, scaled by 1 / n.
// CHECK-LABEL: func.func @irfft
// CHECK: tensor.empty() : tensor<1x10x10x1xf32>
// CHECK: tensor.empty(%{{.*}}) : tensor<?xi1>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: math.cos
// CHECK: arith.select
// CHECK: arith.mulf
// CHECK: return {{.*}} : tensor<1x10x10x1xf32>
func.func @irfft(%x: tensor<1x6x10x2xf32>) -> tensor<1x10x10x1xf32> {
  %n = onnx.NoValue
  %0 = "onnx.DFTV17"(%x, %n) <{axis = 1 : i64, inverse = 1 : i64, onesided = 1 : i64}> : (tensor<1x6x10x2xf32>, none) -> tensor<1x10x10x1xf32>
  return %0 : tensor<1x10x10x1xf32>
}

// -----

// Tests that STFT checks its run-time frame step and sums window-weighted frames: a
// static frame length of 16 (the window's) gives 9 one-sided bins.
// CHECK-LABEL: func.func @stft
// CHECK: kiln.check {{.*}}frame_step is {}, not greater than {}
// CHECK: tensor.empty(%{{.*}}) : tensor<1x?x9x2xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: tensor.extract %arg2
func.func @stft(%x: tensor<1x128x1xf32>, %s: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x?x9x2xf32> {
  %n = onnx.NoValue
  %0 = "onnx.STFT"(%x, %s, %w, %n) : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x?x9x2xf32>
  return %0 : tensor<1x?x9x2xf32>
}

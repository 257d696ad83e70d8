"""Writes one folder per way external data can be bad, under argv[1]: each holds model.onnx
(y = x + w, w float[4, 4] stored externally) and what its `location` points at."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper


def write_model(folder, location, offset=None, length=None):
    os.makedirs(folder, exist_ok=True)
    w = TensorProto()
    w.name, w.data_type, w.data_location = "w", TensorProto.FLOAT, TensorProto.EXTERNAL
    w.dims.extend([4, 4])
    entries = [("location", location), ("offset", offset), ("length", length)]
    for key, value in entries:
        if value is not None:
            entry = w.external_data.add()
            entry.key, entry.value = key, str(value)
    vi = helper.make_tensor_value_info
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"], name="add")], "g",
                              [vi("x", TensorProto.FLOAT, [4, 4])],
                              [vi("y", TensorProto.FLOAT, [4, 4])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())


def write_weights(path, nbytes):
    with open(path, "wb") as f:
        f.write(np.zeros(nbytes // 4, np.float32).tobytes())


root = sys.argv[1]
outside = os.path.join(root, "outside")
os.makedirs(outside, exist_ok=True)
write_weights(os.path.join(outside, "secret.bin"), 64)

write_model(os.path.join(root, "symlink_file"), "weights.bin", 0, 64)
os.symlink(os.path.join(outside, "secret.bin"), os.path.join(root, "symlink_file", "weights.bin"))
write_model(os.path.join(root, "symlink_dir"), "data/secret.bin", 0, 64)
os.symlink(outside, os.path.join(root, "symlink_dir", "data"))
write_model(os.path.join(root, "absolute"), os.path.join(outside, "secret.bin"), 0, 64)
write_model(os.path.join(root, "dotdot"), "../outside/secret.bin", 0, 64)
for name, offset, length, size in [("offset_past_end", 4096, 64, 64),
                                   ("length_overflow", 8, 2**64 - 1, 64),
                                   ("offset_negative", -8, 64, 64),
                                   ("length_mismatch", 0, 128, 128),
                                   ("file_too_long", None, None, 128)]:
    write_model(os.path.join(root, name), "weights.bin", offset, length)
    write_weights(os.path.join(root, name, "weights.bin"), size)
write_model(os.path.join(root, "fifo"), "weights.bin", 0, 64)
os.mkfifo(os.path.join(root, "fifo", "weights.bin"))
write_model(os.path.join(root, "inside_symlink"), "link.bin", 0, 64)
write_weights(os.path.join(root, "inside_symlink", "real.bin"), 64)
os.symlink("real.bin", os.path.join(root, "inside_symlink", "link.bin"))

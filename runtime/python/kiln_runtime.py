"""ctypes binding over libkiln_runtime's C API (kiln/runtime.h).

    import kiln_runtime as kr
    model = kr.Model("model.so")
    session = kr.Session(model, num_threads=2)
    outputs = session.run({"a": a, "b": b})  # dict name -> numpy array

The library is found from $KILN_RUNTIME_LIB, or `libkiln_runtime.so` on the
loader path. Errors raise KilnError with the runtime's code and message.

The package kiln (python/, `pip install .`) is the faster native binding with the same
model; this module needs no build step and stays as the fallback.
"""

import ctypes
import os

import numpy as np

_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16,
           6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64,
           12: np.uint32, 13: np.uint64}
_ONNX_TYPES = {np.dtype(v): k for k, v in _DTYPES.items()}
_P = ctypes.c_void_p
# kiln_model_value_kind (model_abi.h): a sequence is two inputs (outputs) of one name.
_SEQUENCE_DATA, _SEQUENCE_SHAPES = 1, 2


class KilnError(RuntimeError):
    """A failed kiln_status: .code is the kiln_status_code_t name."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.POINTER(ctypes.c_int64)),
                ("dim_params", ctypes.POINTER(ctypes.c_char_p))]


class _ProfileEntry(ctypes.Structure):
    _fields_ = [("kernel", ctypes.c_char_p), ("nodes", ctypes.c_char_p),
                ("op_types", ctypes.c_char_p), ("calls", ctypes.c_uint64),
                ("total_ns", ctypes.c_uint64)]


class _Allocator(ctypes.Structure):
    _fields_ = [("ctx", _P), ("alloc", _P), ("free", _P)]


class _Device(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int32), ("ordinal", ctypes.c_int32)]


class _SessionOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("num_threads", ctypes.c_int32),
                ("allocator", _Allocator), ("device", _Device)]


def _load_library(path=None):
    lib = ctypes.CDLL(path or os.environ.get("KILN_RUNTIME_LIB", "libkiln_runtime.so"))
    sigs = {
        "kiln_status_code": (ctypes.c_int, [_P]),
        "kiln_status_message": (ctypes.c_char_p, [_P]),
        "kiln_status_free": (None, [_P]),
        "kiln_status_code_name": (ctypes.c_char_p, [ctypes.c_int]),
        "kiln_runtime_version": (ctypes.c_char_p, []),
        "kiln_runtime_devices": (ctypes.c_size_t, [ctypes.POINTER(_Device), ctypes.c_size_t]),
        "kiln_device_kind_name": (ctypes.c_char_p, [ctypes.c_int32]),
        "kiln_model_device_kind": (ctypes.c_int32, [_P]),
        "kiln_model_load": (_P, [ctypes.c_char_p, _P, ctypes.POINTER(_P)]),
        "kiln_model_release": (None, [_P]),
        "kiln_model_num_inputs": (ctypes.c_size_t, [_P]),
        "kiln_model_num_outputs": (ctypes.c_size_t, [_P]),
        "kiln_model_input_info": (_P, [_P, ctypes.c_size_t, ctypes.POINTER(_TensorInfo)]),
        "kiln_model_input_kind": (ctypes.c_int32, [_P, ctypes.c_size_t]),
        "kiln_model_output_kind": (ctypes.c_int32, [_P, ctypes.c_size_t]),
        "kiln_model_output_info": (_P, [_P, ctypes.c_size_t, ctypes.POINTER(_TensorInfo)]),
        "kiln_session_options_initialize": (None, [ctypes.POINTER(_SessionOptions)]),
        "kiln_session_create": (_P, [_P, ctypes.POINTER(_SessionOptions), ctypes.POINTER(_P)]),
        "kiln_session_release": (None, [_P]),
        "kiln_session_run": (_P, [_P, ctypes.POINTER(_P), ctypes.c_size_t,
                                  ctypes.POINTER(_P), ctypes.c_size_t]),
        "kiln_session_num_threads": (ctypes.c_int32, [_P]),
        "kiln_session_arena_bytes": (ctypes.c_uint64, [_P]),
        "kiln_session_device": (_Device, [_P]),
        "kiln_tensor_wrap": (_P, [ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_int64),
                                  _P, ctypes.c_size_t, ctypes.POINTER(_P)]),
        "kiln_tensor_release": (None, [_P]),
        "kiln_tensor_dtype": (ctypes.c_int32, [_P]),
        "kiln_tensor_rank": (ctypes.c_int32, [_P]),
        "kiln_tensor_dims": (ctypes.POINTER(ctypes.c_int64), [_P]),
        "kiln_tensor_data": (_P, [_P]),
        "kiln_tensor_byte_size": (ctypes.c_size_t, [_P]),
        "kiln_model_num_profile_kernels": (ctypes.c_size_t, [_P]),
        "kiln_session_profile_entry": (_P, [_P, ctypes.c_size_t,
                                            ctypes.POINTER(_ProfileEntry)]),
        "kiln_session_profile_totals": (None, [_P, ctypes.POINTER(ctypes.c_uint64),
                                               ctypes.POINTER(ctypes.c_uint64)]),
        "kiln_session_profile_reset": (None, [_P]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


_lib = None


def _library():
    global _lib
    if _lib is None:
        _lib = _load_library()
    return _lib


def _check(status):
    if status:
        lib = _library()
        code = lib.kiln_status_code_name(lib.kiln_status_code(status)).decode()
        message = lib.kiln_status_message(status).decode()
        lib.kiln_status_free(status)
        raise KilnError(code, message)


def version():
    return _library().kiln_runtime_version().decode()


def _device_name(device):
    name = _library().kiln_device_kind_name(device.kind).decode()
    return name if name == "host" else f"{name}:{device.ordinal}"


def devices():
    """The devices this runtime runs models on, e.g. ["host"] (kiln_runtime_devices)."""
    lib = _library()
    count = lib.kiln_runtime_devices(None, 0)
    array = (_Device * max(count, 1))()
    lib.kiln_runtime_devices(array, count)
    return [_device_name(array[i]) for i in range(count)]


class TensorInfo:
    def __init__(self, info):
        self.name = info.name.decode()
        self.dtype = _DTYPES.get(info.dtype, info.dtype)
        self.shape = tuple(info.dims[i] for i in range(info.rank))
        self.dim_params = tuple(info.dim_params[i].decode() for i in range(info.rank))

    def __repr__(self):
        return f"TensorInfo({self.name!r}, {self.dtype}, {self.shape})"


class Model:
    """A loaded model library (kiln_model)."""

    def __init__(self, path):
        lib = _library()
        handle = _P()
        _check(lib.kiln_model_load(os.fsencode(path), None, ctypes.byref(handle)))
        self._handle = handle

    def _infos(self, count, getter):
        infos = []
        for i in range(count(self._handle)):
            info = _TensorInfo()
            _check(getter(self._handle, i, ctypes.byref(info)))
            infos.append(TensorInfo(info))
        return infos

    @property
    def inputs(self):
        lib = _library()
        return self._infos(lib.kiln_model_num_inputs, lib.kiln_model_input_info)

    @property
    def outputs(self):
        lib = _library()
        return self._infos(lib.kiln_model_num_outputs, lib.kiln_model_output_info)

    @property
    def device(self):
        """The kind of device the model was compiled for: "host" (kiln_model_device_kind)."""
        lib = _library()
        return lib.kiln_device_kind_name(lib.kiln_model_device_kind(self._handle)).decode()

    def __del__(self):
        if getattr(self, "_handle", None):
            _library().kiln_model_release(self._handle)
            self._handle = None


class Session:
    """A session (kiln_session): run() may be called from many threads at once (ctypes
    releases the GIL during kiln_session_run, which is thread-safe)."""

    def __init__(self, model, num_threads=0):
        lib = _library()
        options = _SessionOptions()
        lib.kiln_session_options_initialize(ctypes.byref(options))
        options.num_threads = num_threads
        handle = _P()
        _check(lib.kiln_session_create(model._handle, ctypes.byref(options),
                                       ctypes.byref(handle)))
        self._handle = handle
        self._model = model  # the session retains the model too; keep names handy
        self._inputs = model.inputs
        self._outputs = model.outputs
        self._in_kinds = [lib.kiln_model_input_kind(model._handle, i)
                          for i in range(len(self._inputs))]
        self._out_kinds = [lib.kiln_model_output_kind(model._handle, i)
                           for i in range(len(self._outputs))]

    @property
    def num_threads(self):
        return _library().kiln_session_num_threads(self._handle)

    @property
    def arena_bytes(self):
        """Bytes of the session's activation arenas: one per run context, each sized for the
        largest batch seen (kiln_session_arena_bytes)."""
        return _library().kiln_session_arena_bytes(self._handle)

    @property
    def device(self):
        """The device the session runs on: "host" (kiln_session_device)."""
        return _device_name(_library().kiln_session_device(self._handle))

    def profile(self):
        """Per-kernel times since creation or reset_profile() of a model compiled with
        `kilnc --profile` (else []): a list of dicts kernel, nodes, op_types, calls,
        total_ms, in kernel-id order. profile_totals() gives (runs, total ms in the model)."""
        lib = _library()
        entries = []
        for i in range(lib.kiln_model_num_profile_kernels(self._model._handle)):
            e = _ProfileEntry()
            _check(lib.kiln_session_profile_entry(self._handle, i, ctypes.byref(e)))
            entries.append({"id": i, "kernel": e.kernel.decode(), "nodes": e.nodes.decode(),
                            "op_types": e.op_types.decode(), "calls": e.calls,
                            "total_ms": e.total_ns / 1e6})
        return entries

    def profile_totals(self):
        runs, ns = ctypes.c_uint64(), ctypes.c_uint64()
        _library().kiln_session_profile_totals(self._handle, ctypes.byref(runs), ctypes.byref(ns))
        return runs.value, ns.value / 1e6

    def reset_profile(self):
        _library().kiln_session_profile_reset(self._handle)

    def run(self, feeds):
        """Runs on a dict name -> array; returns a dict name -> numpy array. None for an
        optional input leaves it absent (see kiln_model_input_is_optional). A sequence
        input is given as a list of arrays (one dtype and rank) and a sequence output comes
        back as a list of arrays (the model's two buffers of a sequence, model_abi.h, are
        packed and split here)."""
        lib = _library()
        unknown = set(feeds) - {i.name for i in self._inputs}
        if unknown:
            raise KilnError("INVALID_ARGUMENT", f"unknown inputs {sorted(unknown)}; model "
                            f"inputs are {[i.name for i in self._inputs]}")
        arrays, tensors = [], []

        def wrap(array):
            arrays.append(array)
            dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            t = _P()
            _check(lib.kiln_tensor_wrap(_ONNX_TYPES[array.dtype], array.ndim, dims,
                                        array.ctypes.data_as(_P), array.nbytes, ctypes.byref(t)))
            tensors.append(t)

        try:
            for i, info in enumerate(self._inputs):
                if self._in_kinds[i] == _SEQUENCE_SHAPES:
                    continue  # packed with its data
                if info.name not in feeds:
                    raise KilnError("INVALID_ARGUMENT", f"missing input '{info.name}'")
                if feeds[info.name] is None:  # absent: kiln_session_run checks it is optional
                    tensors.append(_P())
                    continue
                if self._in_kinds[i] == _SEQUENCE_DATA:
                    for array in _pack_sequence(info, self._inputs[i + 1].shape[1],
                                                feeds[info.name]):
                        wrap(array)
                    continue
                wrap(_as_input(info.name, feeds[info.name]))
            ins = (_P * max(len(tensors), 1))(*tensors)
            outs = (_P * max(len(self._outputs), 1))()
            _check(lib.kiln_session_run(self._handle, ins, len(tensors), outs,
                                        len(self._outputs)))
            results = {}
            try:
                values = [_to_numpy(lib, out) for out in outs[:len(self._outputs)]]
            finally:
                for out in outs[:len(self._outputs)]:
                    lib.kiln_tensor_release(out)
            for o, info in enumerate(self._outputs):
                if self._out_kinds[o] == _SEQUENCE_DATA:
                    results[info.name] = _split_sequence(values[o], values[o + 1])
                elif self._out_kinds[o] != _SEQUENCE_SHAPES:
                    results[info.name] = values[o]
            return results
        finally:
            for t in tensors:
                if t:
                    lib.kiln_tensor_release(t)

    def __del__(self):
        if getattr(self, "_handle", None):
            _library().kiln_session_release(self._handle)
            self._handle = None


def _pack_sequence(info, rank, value):
    """The packed data and [n, rank] int64 shape table of sequence input `info` (a list of
    arrays, all of the sequence's dtype and rank)."""
    if not isinstance(value, (list, tuple)):
        raise KilnError("INVALID_ARGUMENT", f"input '{info.name}' is a sequence: give a list "
                        "of arrays")
    elements = [_as_input(info.name, v) for v in value]
    for k, e in enumerate(elements):
        if e.dtype != np.dtype(info.dtype) or e.ndim != rank:
            raise KilnError("INVALID_ARGUMENT", f"input '{info.name}': element {k} is "
                            f"{e.dtype} of rank {e.ndim}, the sequence holds {info.dtype} "
                            f"of rank {rank}")
    data = (np.concatenate([e.ravel() for e in elements]) if elements
            else np.empty(0, dtype=info.dtype))
    shapes = np.array([e.shape for e in elements], dtype=np.int64).reshape(len(elements), rank)
    return np.ascontiguousarray(data), shapes


def _split_sequence(data, shapes):
    """The elements of a sequence output from its packed data and shape table."""
    elements, offset = [], 0
    for row in shapes:
        size = int(np.prod(row)) if len(row) else 1
        elements.append(data[offset:offset + size].reshape(tuple(int(d) for d in row)))
        offset += size
    return elements


def _as_input(name, value):
    """A C-contiguous, native-byte-order array of `value` for input `name`.

    np.asarray with order="C", not np.ascontiguousarray: the latter makes a rank-0
    array rank 1. Everything the runtime cannot take raises KilnError; dtype and shape
    mismatches with the model are left to kiln_session_run, whose status says which.
    """
    try:
        array = np.asarray(value, order="C")
    except (TypeError, ValueError) as e:
        raise KilnError("INVALID_ARGUMENT", f"input '{name}': not an array: {e}") from None
    if array.dtype.kind in "biuf" and not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype not in _ONNX_TYPES:
        raise KilnError("UNIMPLEMENTED", f"input '{name}': numpy dtype {array.dtype} has no "
                        "Kiln element type")
    return array


def _to_numpy(lib, tensor):
    dtype = lib.kiln_tensor_dtype(tensor)
    rank = lib.kiln_tensor_rank(tensor)
    dims = lib.kiln_tensor_dims(tensor)
    shape = tuple(dims[i] for i in range(rank))
    nbytes = lib.kiln_tensor_byte_size(tensor)
    if dtype not in _DTYPES:  # bfloat16: hand back the raw bits
        np_type = np.uint16
    else:
        np_type = _DTYPES[dtype]
    if not nbytes:
        return np.empty(shape, np_type)
    # One copy, straight out of the runtime's buffer (the tensor is released after).
    buf = (ctypes.c_char * nbytes).from_address(lib.kiln_tensor_data(tensor))
    return np.frombuffer(buf, dtype=np_type).reshape(shape).copy()

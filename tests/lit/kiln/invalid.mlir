// RUN: kiln-opt --split-input-file --verify-diagnostics %s

// Tests that a check's code must be an error status of the model ABI.
func.func @bad_code(%ok: i1, %i: i64) {
  // expected-error @+1 {{code 0 is not an error status of kiln/model_abi.h (1, 2, 4 or 5)}}
  kiln.check %ok, %i, %i {code = 0 : i32, message = "x"} : i64, i64
  return
}

// -----

// Tests that a message has at most two placeholders.
func.func @too_many_placeholders(%ok: i1, %i: i64) {
  // expected-error @+1 {{message has 3 '{}' placeholders, at most 2}}
  kiln.check %ok, %i, %i {code = 4 : i32, message = "{} {} {}"} : i64, i64
  return
}

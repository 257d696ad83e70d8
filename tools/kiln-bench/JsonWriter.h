//===- JsonWriter.h - A small streaming JSON writer -------------*- C++ -*-===//
//
// Part of Kiln. Enough JSON for kiln-bench's report: nested objects and arrays,
// strings escaped, non-finite numbers written as null, two-space indentation.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BENCH_JSONWRITER_H
#define KILN_TOOLS_KILN_BENCH_JSONWRITER_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::bench {

/// Scalars as JSON: strings quoted and escaped, non-finite doubles as null.
std::string literal(const std::string &s);
inline std::string literal(const char *s) { return literal(std::string(s)); }
std::string literal(double v);
inline std::string literal(int64_t v) { return std::to_string(v); }
inline std::string literal(uint64_t v) { return std::to_string(v); }
inline std::string literal(int v) { return std::to_string(v); }
inline std::string literal(bool v) { return v ? "true" : "false"; }

class JsonWriter {
public:
  /// Inside an object, `key` names the next value; inside an array it is ignored.
  JsonWriter &key(const std::string &key);
  JsonWriter &beginObject() { return open('{'); }
  JsonWriter &endObject() { return close('}'); }
  JsonWriter &beginArray() { return open('['); }
  JsonWriter &endArray() { return close(']'); }
  template <typename T> JsonWriter &value(const T &v) {
    raw(literal(v));
    return *this;
  }
  JsonWriter &null() {
    raw("null");
    return *this;
  }
  /// An array of scalars, on one line.
  template <typename T> JsonWriter &array(const std::vector<T> &items) {
    std::string text = "[";
    for (size_t i = 0; i < items.size(); ++i)
      text += (i ? ", " : "") + literal(items[i]);
    raw(text + "]");
    return *this;
  }

  /// The document so far (complete once every begin has its end).
  const std::string &str() const { return out; }

private:
  JsonWriter &open(char bracket);
  JsonWriter &close(char bracket);
  void beforeValue();
  void raw(const std::string &text);

  std::string out;
  std::string pendingKey;
  std::vector<bool> first; ///< per open container: nothing written into it yet
};

} // namespace kiln::bench

#endif // KILN_TOOLS_KILN_BENCH_JSONWRITER_H

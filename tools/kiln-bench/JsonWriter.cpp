//===- JsonWriter.cpp - A small streaming JSON writer ---------------------===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "JsonWriter.h"

#include <cmath>
#include <cstdio>

using namespace kiln::bench;

std::string kiln::bench::literal(const std::string &s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      q += "\\\"";
      break;
    case '\\':
      q += "\\\\";
      break;
    case '\n':
      q += "\\n";
      break;
    case '\t':
      q += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        q += buf;
      } else {
        q += static_cast<char>(c);
      }
    }
  }
  return q + "\"";
}

void JsonWriter::beforeValue() {
  if (first.empty())
    return;
  out += first.back() ? "\n" : ",\n";
  first.back() = false;
  out += std::string(2 * first.size(), ' ');
  if (!pendingKey.empty())
    out += literal(pendingKey) + ": ";
  pendingKey.clear();
}

void JsonWriter::raw(const std::string &text) {
  beforeValue();
  out += text;
}

JsonWriter &JsonWriter::key(const std::string &k) {
  pendingKey = k;
  return *this;
}

JsonWriter &JsonWriter::open(char bracket) {
  raw(std::string(1, bracket));
  first.push_back(true);
  return *this;
}

JsonWriter &JsonWriter::close(char bracket) {
  bool empty = first.back();
  first.pop_back();
  if (!empty)
    out += "\n" + std::string(2 * first.size(), ' ');
  out += bracket;
  return *this;
}

std::string kiln::bench::literal(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

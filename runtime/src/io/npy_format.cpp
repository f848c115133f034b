// npy_format.cpp — the strict .npy header parser and the header writer (see npy_format.h).
#include "io/npy_format.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>

namespace meshrt::io {

namespace {

const char kMagic[] = "\x93NUMPY";

// A cursor over the dict literal; every parse step returns false with err_ set.
class DictParser {
public:
  explicit DictParser(const std::string &s) : s_(s) {}

  std::string parse(ElemType *type, std::vector<int64_t> *shape) {
    std::string descr;
    bool haveDescr = false, haveFortran = false, haveShape = false, fortran = false;
    skipSpace();
    if (!expect('{'))
      return err_;
    while (true) {
      skipSpace();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      std::string key;
      if (!quoted(&key))
        return err_;
      skipSpace();
      if (!expect(':'))
        return err_;
      skipSpace();
      if (key == "descr") {
        if (haveDescr)
          return "header names 'descr' twice";
        if (peek() == '[')
          return "unsupported element type (a structured dtype)";
        if (!quoted(&descr))
          return err_;
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (haveFortran)
          return "header names 'fortran_order' twice";
        if (!boolean(&fortran))
          return err_;
        haveFortran = true;
      } else if (key == "shape") {
        if (haveShape)
          return "header names 'shape' twice";
        if (!tuple(shape))
          return err_;
        haveShape = true;
      } else {
        return "unexpected key '" + key + "' in the header";
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      return at("expected ',' or '}'");
    }
    for (; pos_ < s_.size(); ++pos_)
      if (s_[pos_] != ' ' && s_[pos_] != '\n' && s_[pos_] != '\t' && s_[pos_] != '\r')
        return at("unexpected text after the header dict");
    if (!haveDescr || !haveFortran || !haveShape)
      return std::string("header lacks '") +
             (!haveDescr     ? "descr"
              : !haveFortran ? "fortran_order"
                             : "shape") +
             "'";
    if (fortran)
      return "Fortran-order array (meshrt reads C order; save np.ascontiguousarray(a))";
    auto t = fromNpyDescr(descr);
    if (!t) {
      if (!descr.empty() && descr[0] == '>')
        return "big-endian element type '" + descr + "' (save a.astype('<" + descr.substr(1) +
               "'))";
      return "unsupported element type '" + descr + "' (meshrt reads u1, i4, i8, f4, f8)";
    }
    *type = *t;
    return "";
  }

private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n'))
      ++pos_;
  }
  std::string at(const char *what) {
    return std::string("corrupt header: ") + what + " at byte " + std::to_string(pos_) +
           " of the dict";
  }
  bool fail(const char *what) {
    err_ = at(what);
    return false;
  }
  bool expect(char c) {
    if (peek() != c) {
      char what[32];
      std::snprintf(what, sizeof(what), "expected '%c'", c);
      return fail(what);
    }
    ++pos_;
    return true;
  }
  // A Python string literal without escapes ('...' or "...").
  bool quoted(std::string *out) {
    char q = peek();
    if (q != '\'' && q != '"')
      return fail("expected a quoted string");
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos)
      return fail("unterminated string");
    std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
    if (v.find('\\') != std::string::npos || v.find('\n') != std::string::npos)
      return fail("unsupported string literal");
    *out = v;
    pos_ = end + 1;
    return true;
  }
  bool boolean(bool *out) {
    if (s_.compare(pos_, 4, "True") == 0) {
      *out = true;
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      *out = false;
      pos_ += 5;
      return true;
    }
    return fail("expected True or False");
  }
  // (), (n,), (n, m), (n, m,) — non-negative integers (Python 2 wrote a 'L' suffix).
  bool tuple(std::vector<int64_t> *out) {
    out->clear();
    if (!expect('('))
      return false;
    skipSpace();
    if (peek() == ')') {
      ++pos_;
      return true;
    }
    while (true) {
      skipSpace();
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        return fail("expected a dimension");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        int digit = peek() - '0';
        if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
          return fail("dimension too large");
        v = v * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L')
        ++pos_;
      out->push_back(v);
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        skipSpace();
        if (peek() == ')') {
          ++pos_;
          return true;
        }
        continue;
      }
      if (peek() == ')') {
        if (out->size() == 1)
          return fail("a one-dimension shape needs a trailing ','");
        ++pos_;
        return true;
      }
      return fail("expected ',' or ')' in the shape");
    }
  }

  const std::string &s_;
  size_t pos_ = 0;
  std::string err_;
};

} // namespace

std::string parseNpyPreamble(const unsigned char *b, int64_t n, int64_t *dictStart,
                             int64_t *dataOffset) {
  if (n < 6 || std::memcmp(b, kMagic, 6) != 0)
    return "not a NumPy .npy file (no \\x93NUMPY magic)";
  if (n < 10)
    return "truncated .npy header";
  int major = b[6], minor = b[7];
  if (minor != 0 || major < 1 || major > 3)
    return "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor);
  if (major == 1) {
    *dictStart = 10;
    *dataOffset = 10 + (static_cast<int64_t>(b[8]) | static_cast<int64_t>(b[9]) << 8);
  } else {
    if (n < 12)
      return "truncated .npy header";
    int64_t len = static_cast<int64_t>(b[8]) | static_cast<int64_t>(b[9]) << 8 |
                  static_cast<int64_t>(b[10]) << 16 | static_cast<int64_t>(b[11]) << 24;
    *dictStart = 12;
    *dataOffset = 12 + len;
  }
  return "";
}

std::string parseNpyDict(const std::string &dict, ElemType *type, std::vector<int64_t> *shape) {
  return DictParser(dict).parse(type, shape);
}

std::string formatNpyHeader(ElemType type, const std::vector<int64_t> &shape) {
  std::string dict =
      std::string("{'descr': '") + npyDescr(type) + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    dict += ",";
  dict += "), }";
  // Version 1.0 keeps the length in 2 bytes; 2.0 in 4 (only for dicts of more than 64 KiB).
  int64_t preamble = 10;
  int major = 1;
  auto padded = [&](int64_t pre) {
    int64_t total = pre + static_cast<int64_t>(dict.size()) + 1;
    return static_cast<int64_t>(dict.size()) + (64 - total % 64) % 64 + 1;
  };
  if (padded(10) > 65535) {
    preamble = 12;
    major = 2;
  }
  int64_t len = padded(preamble);
  std::string out(kMagic, 6);
  out += static_cast<char>(major);
  out += '\0';
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    out += static_cast<char>((len >> (8 * i)) & 0xff);
  out += dict;
  out.append(static_cast<size_t>(len) - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

} // namespace meshrt::io

//===- Emit.cpp - Printing the module and the generator's exit ------------===//
#include "GraphImpl.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace meshc::dsl {
namespace detail {

std::string GraphImpl::print() const {
  std::ostringstream os;
  os << "module";
  if (mesh || layout) {
    os << " attributes {";
    if (mesh)
      os << "meshc.mesh = #meshc.mesh<" << printString(mesh->text) << ">";
    if (mesh && layout)
      os << ",\n                   ";
    if (layout)
      os << "meshc.layout = #meshc.layout<" << printString(layout->text) << ">";
    os << "}";
  }
  os << " {\n  func.func @" << name << "() {\n";
  for (const Op &op : ops)
    os << "    " << op.text << " " << printLoc(op.loc) << "\n";
  os << "    return\n  } " << printLoc(loc) << "\n}\n";
  return os.str();
}

} // namespace detail

std::string Graph::str() const { return impl_->print(); }

int Graph::emit(int argc, char **argv) { return emit(Args(argc, argv)); }

int Graph::emit(const Args &args) {
  for (const std::string &e : args.errors())
    std::cerr << e << "\n";
  if (!args.errors().empty())
    return 1;
  return emit(args.rest(), std::cout, std::cerr);
}

int Graph::emit(const std::vector<std::string> &args, std::ostream &out, std::ostream &err) {
  std::string output = "-";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "-o" && i + 1 < args.size()) {
      output = args[++i];
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      output = a.substr(a[2] == '=' ? 3 : 2);
    } else if (a == "-h" || a == "--help") {
      out << "usage: <model generator> [model flags] [-o FILE]\n"
             "prints the model's meshc IR to stdout, or to FILE\n";
      return 0;
    } else {
      err << "error: unknown argument '" << a << "'" << (a == "-o" ? " (expected -o FILE)" : "")
          << "\n";
      return 1;
    }
  }
  std::vector<std::string> errs = errors();
  if (!errs.empty()) {
    for (const std::string &e : errs)
      err << e << "\n";
    return 1;
  }
  std::string text = str();
  if (output == "-") {
    out << text << std::flush;
    return out ? 0 : 1;
  }
  std::ofstream file(output);
  file << text;
  file.close();
  if (!file) {
    err << "error: cannot write '" << output << "'\n";
    return 1;
  }
  return 0;
}

} // namespace meshc::dsl

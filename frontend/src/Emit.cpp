// Printing the module and the generator's exit.
#include "GraphImpl.h"

#include <algorithm>
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
    os << "    " << op.text << " " << (op.remat ? printRematLoc(op.loc) : printLoc(op.loc)) << "\n";
  os << "    return\n  } " << printLoc(loc) << "\n}\n";
  return os.str();
}

} // namespace detail

std::string Graph::str() const { return impl_->print(); }

int Graph::emit(int argc, char **argv) { return emit(Args(argc, argv)); }

int Graph::emit(const Args &args) { return emit(args, std::cout, std::cerr); }

namespace {

/// The generator's --help: every flag the model read, with its default, then emit's own.
void printHelp(const Args *args, std::ostream &out) {
  std::string program = args && !args->program().empty() ? args->program() : "<model generator>";
  out << "usage: " << program << " [flags] [-o FILE]\n"
      << "Prints the model's meshc program (MLIR) to stdout, or to FILE; compile it with\n"
      << "meshc (meshc FILE --mesh ... --layout ... -o EXE).\n";
  auto row = [&](const std::string &flag, const std::string &what) {
    out << "  " << flag << std::string(flag.size() < 22 ? 22 - flag.size() : 1, ' ') << what
        << "\n";
  };
  if (args && !args->flags().empty()) {
    out << "model flags:\n";
    for (const Args::Flag &flag : args->flags())
      row(flag.name + " " + flag.kind,
          "default " + (flag.fallback.empty() ? "\"\"" : flag.fallback));
  }
  out << "output:\n";
  row("-o FILE", "write the program to FILE instead of stdout");
  row("-h, --help", "print this help");
}

int emitGraph(Graph &graph, const std::vector<std::string> &args, const Args *flags,
              std::ostream &out, std::ostream &err) {
  std::string output = "-";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "-o" && i + 1 < args.size()) {
      output = args[++i];
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      output = a.substr(a[2] == '=' ? 3 : 2);
    } else if (a == "-h" || a == "--help") {
      printHelp(flags, out);
      return 0;
    } else {
      std::vector<std::string> known{"-o", "--help"};
      if (flags)
        for (const Args::Flag &flag : flags->flags())
          known.push_back(flag.name);
      std::string name = a.substr(0, a.find('='));
      err << "error: unknown argument '" << a << "'"
          << (a == "-o" ? " (expected -o FILE)" : detail::didYouMean(name, known) + " (see --help)")
          << "\n";
      return 1;
    }
  }
  std::vector<std::string> errs = graph.errors();
  // Without a loss every step would train nothing and report a loss of 0.
  if (!graph.impl().minimized)
    errs.push_back(detail::formatLoc(graph.impl().loc) + ": error: graph '" + graph.name() +
                   "' minimizes no loss, so it would train nothing: call g.minimize(loss, "
                   "optimizer) before emit (forward-only programs are not supported yet)");
  if (!errs.empty()) {
    for (const std::string &e : errs)
      err << e << "\n";
    return 1;
  }
  std::string text = graph.str();
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

} // namespace

int Graph::emit(const Args &args, std::ostream &out, std::ostream &err) {
  std::vector<std::string> rest = args.rest();
  bool help = std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
              std::find(rest.begin(), rest.end(), "-h") != rest.end();
  if (!help && !args.errors().empty()) {
    for (const std::string &e : args.errors())
      err << e << "\n";
    return 1;
  }
  return emitGraph(*this, rest, &args, out, err);
}

int Graph::emit(const std::vector<std::string> &args, std::ostream &out, std::ostream &err) {
  return emitGraph(*this, args, nullptr, out, err);
}

} // namespace meshc::dsl

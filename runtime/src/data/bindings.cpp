// bindings.cpp — parsing and checking `--data`-style bindings of files to inputs.
#include "data/bindings.h"

#include "context.h"

namespace meshrt {

Status parseBindings(const std::string &flag, const std::string &text, const Context &ctx,
                     bool requireAll, std::vector<Binding> *out) {
  std::vector<std::string> inputs;
  for (const ProgramTensor &t : ctx.tensors())
    if (t.role == MESHRT_ROLE_INPUT)
      inputs.push_back(t.name);
  std::string known;
  for (const std::string &name : inputs)
    known += (known.empty() ? "" : ", ") + name;
  auto fail = [&](const std::string &why) {
    return Status::error(MESHRT_INVALID_ARGUMENT, flag + ": " + why);
  };
  std::vector<Binding> bindings;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return fail("'" + item + "' is not NAME=FILE");
    Binding b{item.substr(0, eq), item.substr(eq + 1)};
    bool isInput = false;
    for (const std::string &name : inputs)
      isInput |= name == b.input;
    if (!isInput)
      return fail("the program has no input '" + b.input + "' (its inputs: " + known + ")");
    for (const Binding &other : bindings)
      if (other.input == b.input)
        return fail("input '" + b.input + "' is bound twice");
    bindings.push_back(std::move(b));
    if (comma == text.size())
      break;
  }
  if (requireAll)
    for (const std::string &name : inputs) {
      bool bound = false;
      for (const Binding &b : bindings)
        bound |= b.input == name;
      if (!bound)
        return fail("input '" + name + "' has no file (every input needs one: " + known + ")");
    }
  *out = std::move(bindings);
  return Status::success();
}

} // namespace meshrt

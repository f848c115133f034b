// bindings.h — which file feeds which input: the `--data x=train_x.npy,y=train.h5:/labels`
// flags, checked against the program's registered inputs.
#ifndef MESHRT_SRC_DATA_BINDINGS_H
#define MESHRT_SRC_DATA_BINDINGS_H

#include "status.h"

#include <string>
#include <vector>

namespace meshrt {

class Context;

struct Binding {
  std::string input; // the program's input name
  std::string spec;  // the file: PATH or PATH:/dataset
};

// Parses "NAME=FILE[,NAME=FILE...]" given to `flag` and checks every name against the
// program's inputs: an unknown name (with the inputs there are), a name bound twice and, where
// requireAll, an input left unbound are one-line errors naming the flag.
Status parseBindings(const std::string &flag, const std::string &text, const Context &ctx,
                     bool requireAll, std::vector<Binding> *out);

} // namespace meshrt

#endif // MESHRT_SRC_DATA_BINDINGS_H

// read_plan.h — what the array readers share: checking a row selection against the array,
// the distinct rows in file order (both readers read in that order, a chunk of rows at a time),
// and placing the rows read, converted, into the caller's buffer in selection order.
#ifndef MESHRT_SRC_IO_READ_PLAN_H
#define MESHRT_SRC_IO_READ_PLAN_H

#include "io/array_reader.h"

namespace meshrt::io {

struct ReadPlan {
  std::vector<int64_t> unique;     // the distinct selected rows, ascending (file order)
  std::vector<size_t> position;    // per selection entry: its row's index in `unique`
  std::vector<int64_t> sub, start; // the block of one row: extent and start of dims 1..n-1
  int64_t blockElems = 1;
  int64_t rowsPerChunk = 1; // rows read at once (bounds the staging buffer)
};

// Checks `sel` against `info` (rows and blocks in range) and plans the read.
Status planRead(const ArrayInfo &info, const RowSelection &sel, ReadPlan *plan);

// Converts the chunk of distinct rows [u0, u1) (staged at `staged`, in the file's element
// type, row after row) into `out`'s entries whose row falls in the chunk.
Status placeRows(const ArrayInfo &info, const RowSelection &sel, const ReadPlan &plan, size_t u0,
                 size_t u1, const void *staged, ElemType target, void *out);

} // namespace meshrt::io

#endif // MESHRT_SRC_IO_READ_PLAN_H

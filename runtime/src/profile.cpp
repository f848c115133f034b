// profile.cpp — the totals behind `--profile` (see profile.h).
#include "profile.h"

#include "device/device.h"

namespace meshrt {

bool gProfileEnabled = false;
ProfileTotals gProfile;
Device *gProfileDevice = nullptr;

void profileSynchronize() {
  if (gProfileDevice)
    gProfileDevice->synchronize(); // an error here resurfaces at the step's status check
}

const char *profileKindName(ProfileKind kind) {
  switch (kind) {
  case ProfileKind::Matmul:
    return "matmul";
  case ProfileKind::Binary:
    return "binary";
  case ProfileKind::Unary:
    return "unary";
  case ProfileKind::Fill:
    return "fill";
  case ProfileKind::StridedCopy:
    return "strided_copy";
  case ProfileKind::ReduceSum:
    return "reduce_sum";
  case ProfileKind::SoftmaxXent:
    return "softmax_xent";
  case ProfileKind::SgdUpdate:
    return "sgd_update";
  case ProfileKind::Allreduce:
    return "allreduce";
  case ProfileKind::Allgather:
    return "allgather";
  case ProfileKind::ReduceScatter:
    return "reduce_scatter";
  case ProfileKind::AllSlice:
    return "all_slice";
  case ProfileKind::Alltoall:
    return "alltoall";
  case ProfileKind::Data:
    return "data";
  case ProfileKind::Count:
    break;
  }
  return "?";
}

} // namespace meshrt

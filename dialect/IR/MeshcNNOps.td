// meshc ops: NN family (see MeshcOps.td for the base classes).
#ifndef MESHC_NN_OPS_TD
#define MESHC_NN_OPS_TD

#endif // MESHC_NN_OPS_TD

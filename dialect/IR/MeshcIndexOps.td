// meshc ops: Index family (see MeshcOps.td for the base classes).
#ifndef MESHC_INDEX_OPS_TD
#define MESHC_INDEX_OPS_TD

#endif // MESHC_INDEX_OPS_TD

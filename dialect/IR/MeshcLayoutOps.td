// meshc ops: Layout family (see MeshcOps.td for the base classes).
#ifndef MESHC_LAYOUT_OPS_TD
#define MESHC_LAYOUT_OPS_TD

#endif // MESHC_LAYOUT_OPS_TD

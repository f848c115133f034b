# Helpers to build a model with the meshc DSL (stage 1 of docs/DESIGN.md §1), the same in the
# meshc source tree, in a project that add_subdirectory()s it, and from an installed meshc
# (find_package(meshc CONFIG) includes this file): they use only the targets meshc::frontend
# (the DSL library), meshc::meshc (the compiler) and meshc::runtime (libmeshrt), which are
# ALIAS targets in the source tree and IMPORTED ones from an installation.
#
#   meshc_add_model_generator(mlp mlp.cpp GEN_ARGS --batch 64)
#
# builds the generator `mlp_gen` from the model file, runs it to produce
# ${CMAKE_CURRENT_BINARY_DIR}/mlp.mlir, and adds the target `mlp_mlir` (ALL) for it.
# The .mlir path is kept in the target property MESHC_MLIR_FILE of `mlp_mlir`, for the
# compile step that follows.
include_guard(GLOBAL)

function(meshc_add_model_generator NAME SOURCE)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "" "GEN_ARGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "meshc_add_model_generator: unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()

  add_executable(${NAME}_gen ${SOURCE})
  target_link_libraries(${NAME}_gen PRIVATE meshc::frontend)

  set(mlir ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.mlir)
  add_custom_command(
    OUTPUT ${mlir}
    COMMAND ${NAME}_gen ${ARG_GEN_ARGS} -o ${mlir}
    DEPENDS ${NAME}_gen
    COMMENT "Generating ${NAME}.mlir"
    VERBATIM)
  add_custom_target(${NAME}_mlir ALL DEPENDS ${mlir})
  set_target_properties(${NAME}_mlir PROPERTIES MESHC_MLIR_FILE ${mlir})
endfunction()

# Stages 1 and 2 together:
#
#   meshc_add_model(mlp mlp.cpp [GEN_ARGS ...] [MESH b=2,m=2] [LAYOUT batch:b,hidden:m])
#
# generates ${NAME}.mlir as above and compiles it with meshc into the executable
# ${CMAKE_CURRENT_BINARY_DIR}/${NAME} (target `${NAME}_exe`, ALL). MESH and LAYOUT override
# the ones the model stores; the .mlir stays in the build tree so that it can be recompiled
# for any mesh and layout without touching C++.
function(meshc_add_model NAME SOURCE)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "MESH;LAYOUT" "GEN_ARGS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "meshc_add_model: unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET meshc::meshc)
    message(FATAL_ERROR "meshc_add_model: this meshc has no compiler (meshc::meshc); it was "
                        "built with MESHC_BUILD_COMPILER=OFF")
  endif()
  meshc_add_model_generator(${NAME} ${SOURCE} GEN_ARGS ${ARG_GEN_ARGS})
  set(mlir ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.mlir)
  set(exe ${CMAKE_CURRENT_BINARY_DIR}/${NAME})
  set(flags)
  if(DEFINED ARG_MESH)
    list(APPEND flags --mesh ${ARG_MESH})
  endif()
  if(DEFINED ARG_LAYOUT)
    list(APPEND flags --layout ${ARG_LAYOUT})
  endif()
  # meshc links the executable against the libmeshrt of its own installation or build tree.
  add_custom_command(
    OUTPUT ${exe}
    COMMAND meshc::meshc ${mlir} ${flags} -o ${exe}
    DEPENDS meshc::meshc meshc::runtime ${mlir}
    COMMENT "Compiling ${NAME}.mlir with meshc"
    VERBATIM)
  add_custom_target(${NAME}_exe ALL DEPENDS ${exe})
endfunction()

# Helpers to build a model with the meshc DSL (stage 1 of docs/DESIGN.md §1):
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
  target_link_libraries(${NAME}_gen PRIVATE meshc_frontend)

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

# What `cmake --install` puts under a prefix, and the CMake package that find_package(meshc
# CONFIG) reads there:
#   bin/                  meshc, meshc-opt, meshc-data
#   <libdir>/             libmeshrt.so (+ soname links), libmeshrt_cuda.so (the CUDA plugin,
#                         component `cuda`, where it is built), libmeshc_frontend.a (the DSL)
#   include/meshc/        the DSL headers;  include/meshrt/  the runtime's C ABI
#   <libdir>/cmake/meshc/ meshcConfig.cmake, its version file, the imported targets
#                         meshc::frontend, meshc::runtime, meshc::meshc, and MeshcModel.cmake
# Everything is component `meshc` except the CUDA plugin (component `cuda`), so that the
# Debian package of the rest depends on Debian packages only (cmake/MeshcPackaging.cmake).
include(CMakePackageConfigHelpers)

set(MESHC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/meshc)

set_target_properties(meshc_frontend PROPERTIES EXPORT_NAME frontend)
set_target_properties(meshrt PROPERTIES EXPORT_NAME runtime)
install(TARGETS meshc_frontend meshrt EXPORT meshcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT meshc
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT meshc
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/frontend/include/meshc ${PROJECT_SOURCE_DIR}/runtime/include/meshrt
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT meshc FILES_MATCHING PATTERN "*.h")

# The CUDA backend, dlopen()ed from beside libmeshrt.so. Its own RUNPATH keeps the CUDA
# toolkit's library directories it was linked with (cudart, cuBLAS, NCCL are not Debian
# packages) and $ORIGIN for libmeshrt.
if(TARGET meshrt_cuda)
  # Its RUNPATH (the CUDA toolkit's library directories) is a link option of its own
  # (runtime/CMakeLists.txt) and stays as it is; it needs nothing of libmeshrt's directory.
  install(TARGETS meshrt_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cuda)
endif()

if(TARGET meshc)
  # The tools link libMLIR/libLLVM from /usr/lib/llvm-19/lib, outside the default search
  # path: keep that directory (never a build directory) in their installed RUNPATH.
  set_target_properties(meshc meshc-opt PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
  install(TARGETS meshc EXPORT meshcTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT meshc)
  install(TARGETS meshc-opt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT meshc)
endif()

install(TARGETS meshc-data RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT meshc)

install(EXPORT meshcTargets NAMESPACE meshc:: DESTINATION ${MESHC_INSTALL_CMAKEDIR}
  COMPONENT meshc)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/meshcConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/meshcConfig.cmake
  INSTALL_DESTINATION ${MESHC_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the DSL and the runtime ABI.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/meshcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/cmake/meshcConfig.cmake
    ${PROJECT_BINARY_DIR}/cmake/meshcConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/MeshcModel.cmake
  DESTINATION ${MESHC_INSTALL_CMAKEDIR} COMPONENT meshc)

# Finds the header-only xtensor and defines the imported target `xtensor` (the name xtensor's own
# config uses). Uses that config when installed; Debian's xtensor-dev ships none.
find_package(xtensor CONFIG QUIET)
if(xtensor_FOUND AND TARGET xtensor)
  return()
endif()

find_path(xtensor_INCLUDE_DIR NAMES xtensor/xtensor_config.hpp)
if(xtensor_INCLUDE_DIR)
  file(STRINGS "${xtensor_INCLUDE_DIR}/xtensor/xtensor_config.hpp" _xt_lines
       REGEX "^#define XTENSOR_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "XTENSOR_VERSION_${_part} +([0-9]+)" _m "${_xt_lines}")
    set(_xt_${_part} "${CMAKE_MATCH_1}")
  endforeach()
  set(xtensor_VERSION "${_xt_MAJOR}.${_xt_MINOR}.${_xt_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xtensor
  REQUIRED_VARS xtensor_INCLUDE_DIR
  VERSION_VAR xtensor_VERSION)

if(xtensor_FOUND AND NOT TARGET xtensor)
  find_package(xtl CONFIG REQUIRED)
  add_library(xtensor INTERFACE IMPORTED)
  set_target_properties(xtensor PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${xtensor_INCLUDE_DIR}")
  target_link_libraries(xtensor INTERFACE xtl)
endif()
mark_as_advanced(xtensor_INCLUDE_DIR)

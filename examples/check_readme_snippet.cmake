# Fails unless the README's tour snippet (between <!-- tour:begin --> and
# <!-- tour:end -->, inside a ```cpp fence) is the [tour] region of
# examples/tour.cpp, with the region's common indentation removed.
file(READ ${README} readme)
file(READ ${TOUR} tour)

string(REGEX MATCH "<!-- tour:begin -->\n```cpp\n(.*)```\n<!-- tour:end -->" _ "${readme}")
set(snippet "${CMAKE_MATCH_1}")
if(snippet STREQUAL "")
  message(FATAL_ERROR "${README}: no tour snippet between the tour:begin/tour:end markers")
endif()

string(REGEX MATCH "// \\[tour\\]\n(.*)\n[ ]*// \\[/tour\\]" _ "${tour}")
set(region "${CMAKE_MATCH_1}\n")
if(region STREQUAL "\n")
  message(FATAL_ERROR "${TOUR}: no [tour] region")
endif()
# The region sits inside main(), two spaces in; the README shows it flush left.
# (string(REPLACE), not a regex: CMake's ^ also matches after each replacement.)
string(REPLACE "\n  " "\n" region "\n${region}")
string(SUBSTRING "${region}" 1 -1 region)

if(NOT snippet STREQUAL region)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/tour-from-readme.txt "${snippet}")
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/tour-from-source.txt "${region}")
  message(FATAL_ERROR "The README's tour differs from examples/tour.cpp; compare "
          "${CMAKE_CURRENT_BINARY_DIR}/tour-from-readme.txt and tour-from-source.txt")
endif()
message(STATUS "README tour matches examples/tour.cpp")

# Fails when a checked-in doc differs from the one generated from ODS.
# -DGENERATED=a;b -DCHECKED_IN=c;d (pairwise).
list(LENGTH GENERATED n)
math(EXPR last "${n} - 1")
set(stale "")
foreach(i RANGE ${last})
  list(GET GENERATED ${i} gen)
  list(GET CHECKED_IN ${i} doc)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${gen} ${doc}
                  RESULT_VARIABLE differs)
  if(differs)
    list(APPEND stale ${doc})
  endif()
endforeach()
if(stale)
  message(FATAL_ERROR "out of date (regenerate with `cmake --build build --target attn-docs`): ${stale}")
endif()
message(STATUS "docs match ODS")

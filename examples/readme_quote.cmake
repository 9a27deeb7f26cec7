# Fails when README.md's "## The library" section no longer quotes examples/library_tour.cpp: the section's
# first ```cpp block must equal the program below the example's opening comment.
#   cmake -DREADME=README.md -DEXAMPLE=examples/library_tour.cpp -P examples/readme_quote.cmake
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "\n## The library\n" start)
if(start EQUAL -1)
  message(FATAL_ERROR "${README} has no \"## The library\" section")
endif()
string(SUBSTRING "${readme}" ${start} -1 section)
string(FIND "${section}" "\n```cpp\n" open)
if(open EQUAL -1)
  message(FATAL_ERROR "${README}: the library section has no ```cpp block")
endif()
math(EXPR open "${open} + 8")
string(SUBSTRING "${section}" ${open} -1 rest)
string(FIND "${rest}" "```" close)
string(SUBSTRING "${rest}" 0 ${close} quoted)
string(REGEX REPLACE "^(//[^\n]*\n)+" "" program "${example}")
if(NOT quoted STREQUAL program)
  message(FATAL_ERROR "${README}'s library section no longer quotes ${EXAMPLE} line for line; "
                      "update one from the other")
endif()

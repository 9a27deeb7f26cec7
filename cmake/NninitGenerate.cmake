# Writes one file that `nninit --generate KIND` prints (shell completion, man page), failing when the
# command does: cmake -DNNINIT=... -DKIND=bash|zsh|man -DOUT=FILE -P NninitGenerate.cmake
execute_process(COMMAND ${NNINIT} --generate ${KIND} OUTPUT_FILE ${OUT}.partial RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUT}.partial)
  message(FATAL_ERROR "nninit --generate ${KIND} failed: ${status}")
endif()
file(RENAME ${OUT}.partial ${OUT})

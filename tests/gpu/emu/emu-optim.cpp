/* emu-optim.cpp — gpu/pt-cuda-optim.cu compiled as C++ against the emulator. */
#include "pt-cuda-optim.cu"

#ifndef LOSSLAB_CZLIB_SHIM_H
#define LOSSLAB_CZLIB_SHIM_H
#include <zlib.h>
#endif

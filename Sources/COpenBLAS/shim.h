#ifndef LOSSLAB_COPENBLAS_SHIM_H
#define LOSSLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#endif

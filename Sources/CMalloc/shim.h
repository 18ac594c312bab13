// glibc's malloc tuning (mallopt, malloc_trim, mallinfo2), which Swift's Glibc module does
// not export. Used by StreamProc's MallocTuning. The option names are plain integer macros.
#include <malloc.h>

// Must NOT compile: llamadesk_core has no Multimedia include path. Layering.CoreCannotIncludeMultimedia.
#include <QAudioSource>

int main()
{
    return 0;
}

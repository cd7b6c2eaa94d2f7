#include "platform/linux/x11activewindow.h"

#include <QGuiApplication>
#include <QtGui/qguiapplication_platform.h>

#include <xcb/xcb.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace Llamadesk::X11
{
namespace
{
struct FreeDeleter
{
    void operator()(void *p) const { std::free(p); }
};
template <typename T>
using Reply = std::unique_ptr<T, FreeDeleter>;

// Errors are taken here, so that they do not reach Qt's event stream as warnings.
template <typename T>
Reply<T> reply(T *value, xcb_generic_error_t *error)
{
    std::free(error);
    return Reply<T>(value);
}
} // namespace

std::optional<ActiveWindow> activeWindow()
{
    auto *x11 = qGuiApp ? qGuiApp->nativeInterface<QNativeInterface::QX11Application>() : nullptr;
    if (!x11)
        return std::nullopt;
    xcb_connection_t *connection = x11->connection();
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(connection)).data->root;

    static constexpr char Name[] = "_NET_ACTIVE_WINDOW";
    xcb_generic_error_t *error = nullptr;
    const auto atom = reply(xcb_intern_atom_reply(connection,
                                                  xcb_intern_atom(connection, 1, sizeof(Name) - 1, Name), &error),
                            error);
    if (!atom || atom->atom == XCB_ATOM_NONE)
        return std::nullopt;
    error = nullptr;
    const auto property = reply(
        xcb_get_property_reply(connection, xcb_get_property(connection, 0, root, atom->atom, XCB_ATOM_WINDOW, 0, 1),
                               &error),
        error);
    if (!property || property->type != XCB_ATOM_WINDOW || property->format != 32
        || xcb_get_property_value_length(property.get()) < 4) {
        return std::nullopt;
    }
    xcb_window_t window = 0;
    std::memcpy(&window, xcb_get_property_value(property.get()), sizeof window);
    if (window == XCB_WINDOW_NONE)
        return ActiveWindow{};

    error = nullptr;
    const auto geometry =
        reply(xcb_get_geometry_reply(connection, xcb_get_geometry(connection, window), &error), error);
    error = nullptr;
    const auto position = reply(
        xcb_translate_coordinates_reply(connection, xcb_translate_coordinates(connection, window, root, 0, 0), &error),
        error);
    if (!geometry || !position)
        return ActiveWindow{}; // a stale property: the window is gone
    return ActiveWindow{window, QRect(position->dst_x, position->dst_y, geometry->width, geometry->height)};
}
} // namespace Llamadesk::X11

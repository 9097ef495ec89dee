/*
 * The one piece of FastKv written in C (DESIGN.md 6a): a trampoline that lets a C# function raise a Lua error.
 *
 * Lua raises errors with longjmp, which must never cross a .NET frame. A C# function registered into Lua is pushed
 * as this trampoline with the C# function pointer as its upvalue. The C# function returns normally: the number of
 * results, or -1 with the error object on top of the stack. The trampoline, a C frame, then raises it, after the
 * .NET frame is gone. Being a C function, it also keeps the calling script's frame on the stack (a Lua-side wrapper
 * would be tail-called by `return redis.call(...)` and take the script's line number with it).
 */
#include <lua.h>

typedef int (*fastkv_fn)(lua_State *L);

static int fastkv_trampoline(lua_State *L) {
    fastkv_fn fn = (fastkv_fn)lua_touserdata(L, lua_upvalueindex(1));
    int n = fn(L);
    if (n < 0) return lua_error(L);
    return n;
}

void fastkv_lua_pushfunction(lua_State *L, fastkv_fn fn) {
    lua_pushlightuserdata(L, (void *)fn);
    lua_pushcclosure(L, fastkv_trampoline, 1);
}

/*
 * The one piece of FastKv written in C (DESIGN.md 6a): a trampoline that lets a C# function raise a Lua error.
 *
 * Lua raises errors with longjmp, which must never cross a .NET frame. A C# function registered into Lua is pushed
 * as this trampoline with the C# function pointer as its upvalue. The C# function returns normally: the number of
 * results, or -1 with the error object on top of the stack. The trampoline, a C frame, then raises it, after the
 * .NET frame is gone. Being a C function, it also keeps the calling script's frame on the stack (a Lua-side wrapper
 * would be tail-called by `return redis.call(...)` and take the script's line number with it). The busy-script hook
 * at the end raises the same way for a C# interrupt.
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

/*
 * Each shard's Lua state allocates through this allocator, which counts the bytes the state holds (INFO used_memory_lua,
 * and used_memory) and refuses to grow past a limit (0: none). A refused allocation makes Lua raise its "not enough
 * memory" error inside the script, which fails like any script error; shrinking and freeing never fail, as Lua 5.1
 * requires. The counter is written only by the shard's thread; other threads read it whole (an aligned size_t).
 */
#include <stdlib.h>

typedef struct {
    size_t used;
    size_t limit;
} fastkv_lua_memory;

static void *fastkv_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    fastkv_lua_memory *m = (fastkv_lua_memory *)ud;
    if (nsize == 0) {
        free(ptr);
        m->used -= osize;
        return NULL;
    }
    if (m->limit != 0 && nsize > osize && m->used - osize + nsize > m->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p != NULL) m->used = m->used - osize + nsize;
    return p;
}

static int fastkv_panic(lua_State *L) {
    (void)L;
    return 0;
}

lua_State *fastkv_lua_newstate(fastkv_lua_memory *m) {
    lua_State *L = lua_newstate(fastkv_alloc, m);
    if (L != NULL) lua_atpanic(L, fastkv_panic);
    return L;
}

/*
 * The busy-script watch (Redis's luaMaskCountHook): a count hook calls the C# interrupt every `count` instructions.
 * It returns 0 to go on, or -1 with the error object on top of the stack to stop the script; this C frame raises it,
 * as the trampoline does. From then on the hook fires at every line, so a pcall in the script cannot swallow the kill.
 */
static fastkv_fn fastkv_interrupt;

static void fastkv_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (fastkv_interrupt(L) < 0) {
        lua_sethook(L, fastkv_hook, LUA_MASKLINE, 0);
        lua_error(L);
    }
}

/* Once per process, before any script runs: the C# interrupt every watched state calls. */
void fastkv_lua_setinterrupt(fastkv_fn fn) {
    fastkv_interrupt = fn;
}

/* Watches the state with a count hook every `count` instructions, or stops watching it (count 0). */
void fastkv_lua_watch(lua_State *L, int count) {
    if (count > 0) lua_sethook(L, fastkv_hook, LUA_MASKCOUNT, count);
    else lua_sethook(L, NULL, 0, 0);
}

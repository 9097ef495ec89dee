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
 *
 * Blocks of up to 256 bytes (a script's KEYS and ARGV tables and strings, most of what a script allocates) come from
 * the state's own free lists, one per 16-byte class, kept up to FKV_KEEP blocks each (at most ~2 MB a state); larger ones from malloc. Lua
 * 5.1 always passes a block's size back (osize), so the class of a block is known when it is freed or resized; a
 * block may be larger than its class says (a shrink that could not move keeps its block), never smaller.
 */
#include <stdlib.h>
#include <string.h>

#define FKV_SMALL_MAX 256
#define FKV_CLASSES (FKV_SMALL_MAX >> 4)
#define FKV_KEEP 1024

typedef struct fkv_block {
    struct fkv_block *next;
} fkv_block;

/* Laid out as LuaApi.LuaMemory in C# (which allocates it): keep the two in step. */
typedef struct {
    size_t used;
    size_t limit;
    size_t saved_threshold; /* C#'s (LuaApi.StopCollector); not used here */
    fkv_block *free_list[FKV_CLASSES];
    unsigned int free_count[FKV_CLASSES];
} fastkv_lua_memory;

/* The class (1..16) of a small size: blocks of class c hold c * 16 bytes. */
static size_t fkv_class(size_t n) {
    return (n + 15) >> 4;
}

static void *fkv_take(fastkv_lua_memory *m, size_t c) {
    fkv_block *b = m->free_list[c - 1];
    if (b == NULL) return malloc(c << 4);
    m->free_list[c - 1] = b->next;
    m->free_count[c - 1]--;
    return b;
}

static void fkv_give(fastkv_lua_memory *m, void *p, size_t c) {
    if (m->free_count[c - 1] >= FKV_KEEP) {
        free(p);
        return;
    }
    fkv_block *b = (fkv_block *)p;
    b->next = m->free_list[c - 1];
    m->free_list[c - 1] = b;
    m->free_count[c - 1]++;
}

/* Frees a block Lua says has osize bytes (> 0). */
static void fkv_release(fastkv_lua_memory *m, void *p, size_t osize) {
    if (osize <= FKV_SMALL_MAX) fkv_give(m, p, fkv_class(osize));
    else free(p);
}

static void *fastkv_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    fastkv_lua_memory *m = (fastkv_lua_memory *)ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        if (ptr != NULL) fkv_release(m, ptr, osize);
        m->used -= osize;
        return NULL;
    }
    if (m->limit != 0 && nsize > osize && m->used - osize + nsize > m->limit) return NULL;
    void *p;
    if (nsize <= FKV_SMALL_MAX) {
        size_t nc = fkv_class(nsize);
        if (ptr != NULL && osize <= FKV_SMALL_MAX && fkv_class(osize) == nc) {
            p = ptr;
        } else {
            p = fkv_take(m, nc);
            if (p == NULL) {
                /* A shrink must not fail: keep the larger block (its class, from now on, is the smaller one). */
                if (ptr != NULL && nsize <= osize) {
                    m->used = m->used - osize + nsize;
                    return ptr;
                }
                return NULL;
            }
            if (ptr != NULL) {
                memcpy(p, ptr, osize < nsize ? osize : nsize);
                fkv_release(m, ptr, osize);
            }
        }
    } else if (ptr != NULL && osize > FKV_SMALL_MAX) {
        p = realloc(ptr, nsize);
        if (p == NULL) {
            if (nsize > osize) return NULL;
            p = ptr; /* a shrink must not fail: keep the block */
        }
    } else {
        p = malloc(nsize);
        if (p == NULL) return NULL;
        if (ptr != NULL) {
            memcpy(p, ptr, osize);
            fkv_release(m, ptr, osize);
        }
    }
    m->used = m->used - osize + nsize;
    return p;
}

/* Closes the state, then frees the blocks its free lists kept. */
void fastkv_lua_close(lua_State *L, fastkv_lua_memory *m) {
    lua_close(L);
    for (int c = 0; c < FKV_CLASSES; c++) {
        fkv_block *b = m->free_list[c];
        while (b != NULL) {
            fkv_block *next = b->next;
            free(b);
            b = next;
        }
        m->free_list[c] = NULL;
        m->free_count[c] = 0;
    }
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

/*
 * Guards for the read-only tables (ReadOnlyTables.cs). Stock Lua 5.1 has no read-only flag, so each protected table is
 * an empty proxy in front of the real one; C functions that touch a table raw would see the empty proxy (rawget,
 * next, table.foreach) or write into it (table.insert). Each such function is replaced by a closure of the original
 * with two upvalues: the original C function and the map from proxies to the tables they protect. The guard calls the
 * original directly, in its own frame, so argument errors keep the original's text, name and the script's position.
 *   see-through: a proxy as the first argument is replaced by the table it protects.
 *   refuse: a proxy as the first argument is replaced by a fresh empty table (a proxy is empty too: no array part), so
 *           the original checks its arguments as Redis's would; if they pass, Redis's write would hit the read-only
 *           table, so the guard raises Redis's error, without a position as lua_rawseti's check does.
 * A table without a metatable (nearly every table a script passes) costs one lua_getmetatable. Only C frames lie
 * between these lua_error calls and the script's lua_pcall. The originals guarded must not use upvalues of their own
 * (rawget, next, table.foreach and table.insert do not).
 */
#include <lauxlib.h>

static int fkv_is_proxy(lua_State *L) {
    if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1)) return 0;
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    lua_rawget(L, lua_upvalueindex(2));
    if (lua_type(L, -1) == LUA_TTABLE) return 1; /* the protected table on top */
    lua_pop(L, 1);
    return 0;
}

static int fkv_seethrough_guard(lua_State *L) {
    if (fkv_is_proxy(L)) lua_replace(L, 1);
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

static int fkv_refuse_guard(lua_State *L) {
    if (!fkv_is_proxy(L)) return lua_tocfunction(L, lua_upvalueindex(1))(L);
    lua_pop(L, 1);
    lua_newtable(L);
    lua_replace(L, 1);
    lua_tocfunction(L, lua_upvalueindex(1))(L);
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

/* guard(original C function, proxy map, refuse): the guarded function (for the seal chunk, ReadOnlyTables.cs). */
static int fkv_make_guard(lua_State *L) {
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_tocfunction(L, 1) == NULL) return luaL_argerror(L, 1, "C function expected");
    int refuse = lua_toboolean(L, 3);
    lua_settop(L, 2);
    lua_pushcclosure(L, refuse ? fkv_refuse_guard : fkv_seethrough_guard, 2);
    return 1;
}

void fastkv_lua_pushguardmaker(lua_State *L) {
    lua_pushcfunction(L, fkv_make_guard);
}

// Direct access to Lua's C API inside wasmoon's WebAssembly module. wasmoon's own wrappers go through
// emscripten's ccall (argument conversion per call, ~0.5 µs each); health checks push whole objects
// field by field, so the raw exports make them several times faster.
import { LUA_REGISTRYINDEX } from 'wasmoon';
import type { LuaWasm } from 'wasmoon';
import { BugError } from '../../../errors.js';

/** A `lua_State*`. */
export type LuaState = number;

/** The C functions kawa calls, as the module exports them (64-bit integers cross as bigint). */
export interface RawLua {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _lua_checkstack(L: LuaState, n: number): number;
  _lua_settop(L: LuaState, index: number): void;
  _lua_gettop(L: LuaState): number;
  _lua_type(L: LuaState, index: number): number;
  _lua_pushnil(L: LuaState): void;
  _lua_pushboolean(L: LuaState, value: number): void;
  _lua_pushinteger(L: LuaState, value: bigint): void;
  _lua_pushnumber(L: LuaState, value: number): void;
  _lua_pushlstring(L: LuaState, pointer: number, length: number): number;
  _lua_createtable(L: LuaState, arraySize: number, recordSize: number): void;
  _lua_rawset(L: LuaState, index: number): void;
  _lua_rawseti(L: LuaState, index: number, n: bigint): void;
  _lua_rawgeti(L: LuaState, index: number, n: bigint): number;
  _lua_setfield(L: LuaState, index: number, key: number): void;
  _lua_tolstring(L: LuaState, index: number, lengthOut: number): number;
  _lua_pcallk(L: LuaState, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_error(L: LuaState): number;
  _lua_sethook(L: LuaState, hook: number, mask: number, count: number): void;
  _luaL_loadbufferx(L: LuaState, buffer: number, size: number, name: number, mode: number): number;
  _luaL_ref(L: LuaState, table: number): number;
  _luaL_unref(L: LuaState, table: number, ref: number): void;
  _lua_setglobal(L: LuaState, name: number): void;
  _lua_pushcclosure(L: LuaState, fn: number, upvalues: number): void;
  _luaopen_base(L: LuaState): number;
  _luaopen_table(L: LuaState): number;
  _luaopen_string(L: LuaState): number;
  _luaopen_math(L: LuaState): number;
  _luaopen_coroutine(L: LuaState): number;
  addFunction(fn: ((...args: number[]) => void) | ((...args: number[]) => number), signature: string): number;
  removeFunction(pointer: number): void;
}

const REQUIRED: readonly (keyof RawLua)[] = [
  '_malloc', '_free', '_lua_checkstack', '_lua_settop', '_lua_gettop', '_lua_type', '_lua_pushnil', '_lua_pushboolean',
  '_lua_pushinteger', '_lua_pushnumber', '_lua_pushlstring', '_lua_createtable', '_lua_rawset', '_lua_rawseti',
  '_lua_rawgeti', '_lua_setfield', '_lua_tolstring', '_lua_pcallk', '_lua_error', '_lua_sethook', '_luaL_loadbufferx',
  '_luaL_ref', '_luaL_unref', '_lua_setglobal', '_lua_pushcclosure', '_luaopen_base', '_luaopen_table', '_luaopen_string',
  '_luaopen_math', '_luaopen_coroutine', 'addFunction', 'removeFunction',
];

/** The raw exports of a loaded module, checked once so a wasmoon upgrade that drops one fails loudly. */
export function rawLuaOf(luaWasm: LuaWasm): RawLua {
  const module: Record<string, unknown> = luaWasm.module as unknown as Record<string, unknown>;
  const missing = REQUIRED.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) throw new BugError(`wasmoon does not export ${missing.join(', ')}`);
  return luaWasm.module as unknown as RawLua;
}

// Constants from lua.h / luaconf.h as wasmoon builds them.
export const LUA_OK = 0;
export const LUA_ERRMEM = 4;
export const LUA_MULTRET = -1;
export const LUA_MASKCOUNT = 8;
export const LUA_TNIL = 0;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export { LUA_REGISTRYINDEX };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Moves strings across the boundary through one reusable buffer in wasm memory. Lua copies what it
 * is given, so the buffer is free again as soon as each call returns.
 */
export class WasmStrings {
  private capacity = 4096;
  private buffer: number;
  private readonly lengthOut: number;

  constructor(private readonly raw: RawLua) {
    this.buffer = raw._malloc(this.capacity);
    this.lengthOut = raw._malloc(8);
  }

  /** Writes `text` as UTF-8 into the scratch buffer; returns its byte length. NUL-terminated. */
  write(text: string): number {
    const worst = text.length * 3 + 1;
    if (worst > this.capacity) {
      this.raw._free(this.buffer);
      this.capacity = Math.max(worst, this.capacity * 2);
      this.buffer = this.raw._malloc(this.capacity);
    }
    // Read HEAPU8 after any malloc: growing wasm memory replaces the view.
    const heap = this.raw.HEAPU8;
    const start = this.buffer;
    // Most object text is short ASCII: copying it by hand beats a TextEncoder call per string.
    if (text.length <= 64) {
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        heap[start + i] = code;
      }
      if (i === text.length) {
        heap[start + i] = 0;
        return i;
      }
    }
    const { written } = encoder.encodeInto(text, heap.subarray(start, start + this.capacity - 1));
    heap[start + written] = 0;
    return written;
  }

  get pointer(): number {
    return this.buffer;
  }

  push(L: LuaState, text: string): void {
    const length = this.write(text);
    this.raw._lua_pushlstring(L, this.buffer, length);
  }

  /** The string (or number, converted in place by Lua) at `index`, or undefined for other types. */
  read(L: LuaState, index: number): string | undefined {
    const type = this.raw._lua_type(L, index);
    if (type !== LUA_TSTRING && type !== LUA_TNUMBER) return undefined;
    const pointer = this.raw._lua_tolstring(L, index, this.lengthOut);
    const heap = this.raw.HEAPU8;
    const length = new DataView(heap.buffer, heap.byteOffset).getUint32(this.lengthOut, true);
    return decoder.decode(heap.subarray(pointer, pointer + length));
  }

  /** A NUL-terminated copy that lives until `free` (for C APIs that keep no copy but need a name). */
  allocate(text: string): number {
    const bytes = encoder.encode(text);
    const pointer = this.raw._malloc(bytes.length + 1);
    this.raw.HEAPU8.set(bytes, pointer);
    this.raw.HEAPU8[pointer + bytes.length] = 0;
    return pointer;
  }

  free(): void {
    this.raw._free(this.buffer);
    this.raw._free(this.lengthOut);
  }
}

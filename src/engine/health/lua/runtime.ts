// Runs Argo CD-format Lua health scripts in one reused Lua 5.4 state (wasmoon, WebAssembly).
// Per call: a fresh environment, a time limit enforced by an instruction-count hook, and a memory
// limit on the Lua allocator. Scripts compile once and are cached by their text. Everything here is
// synchronous once created, so `assessHealth` can call it like any other check.
import { LuaFactory, LuaGlobal } from 'wasmoon';
import type { LuaWasm } from 'wasmoon';
import { BugError, messageOf } from '../../../errors.js';
import { health } from '../fields.js';
import { isHealthStatus } from '../types.js';
import type { HealthResult } from '../types.js';
import { NestingTooDeepError, pushJson } from './marshal.js';
import { SANDBOX_CHUNK_NAME, SANDBOX_LUA } from './sandbox.js';
import {
  LUA_ERRMEM,
  LUA_MASKCOUNT,
  LUA_OK,
  LUA_REGISTRYINDEX,
  LUA_TNIL,
  WasmStrings,
  rawLuaOf,
} from './wasm.js';
import type { LuaState, RawLua } from './wasm.js';

/** A health script and where it came from (named in every message about it). */
export interface LuaHealthScript {
  /** e.g. `resource.customizations.health.cert-manager.io_Certificate`. */
  readonly source: string;
  readonly script: string;
  /** `resource.customizations.useOpenLibs.<group>_<kind>`: adds the string, math and coroutine libraries. */
  readonly useOpenLibs: boolean;
}

export interface LuaRuntimeOptions {
  /** Wall-clock limit per script run, in ms (Argo CD: 1 s). */
  readonly timeoutMs?: number;
  /** Also stop after about this many VM instructions (a limit that does not depend on machine speed). */
  readonly maxInstructions?: number;
  /** What one run may allocate on top of what the state already holds. */
  readonly memoryLimitBytes?: number;
  /** Keep what scripts `print` (for the offline command); otherwise print does nothing. */
  readonly captureOutput?: boolean;
  /** Compiled scripts kept (least recently used ones are dropped). */
  readonly cacheSize?: number;
  /** Monotonic clock in ms, for the time limit and os.clock(); tests may inject one. */
  readonly now?: () => number;
  /** Wall-clock time in ms since the epoch, for os.time() and os.date(); tests inject a fixed one. */
  readonly wallClock?: () => number;
}

export interface LuaHealthOutcome {
  /** `undefined` when the script returned nil or an empty table: no opinion, built-in checks apply. */
  readonly result: HealthResult | undefined;
  /** What the script printed, when `captureOutput` is on and it printed anything. */
  readonly output?: string;
}

export const DEFAULT_TIMEOUT_MS = 1000;
export const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
const DEFAULT_CACHE_SIZE = 256;
/** The hook runs every this many instructions: often enough to stop within ~0.01 ms, cheap enough not to matter. */
const HOOK_INTERVAL = 1000;
const TIMEOUT_ERROR = 'health script timed out';
const TYPE_NAMES = ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'];

type Compiled = { readonly ref: bigint } | { readonly error: string };

/** One Lua state with the sandbox loaded. Replaced wholesale if the VM ever traps. */
class LuaVm {
  readonly global: LuaGlobal;
  readonly L: LuaState;
  readonly strings: WasmStrings;
  readonly compiled = new Map<string, Compiled>();
  readonly runRef: bigint;
  readonly outputRef: bigint;
  readonly stateRef: bigint;
  /** NUL-terminated names the C API reads (and does not copy) while we hold them. */
  readonly scriptName: number;
  readonly textMode: number;
  readonly timedoutKey: number;

  /** `clock` is a lua_CFunction returning (wall-clock ms, os.clock() seconds), handed to the sandbox. */
  constructor(
    readonly luaWasm: LuaWasm,
    readonly raw: RawLua,
    clock: number,
  ) {
    this.global = new LuaGlobal(luaWasm, true);
    this.L = this.global.address;
    this.strings = new WasmStrings(raw);
    this.scriptName = this.strings.allocate('=health.lua');
    this.textMode = this.strings.allocate('t');
    this.timedoutKey = this.strings.allocate('timedout');
    const L = this.L;
    // Only what the sandbox draws from: never io, os, debug or package, so no script can reach them
    // (the sandbox builds its own os from the clock function).
    const libraries: [string, (L: LuaState) => number][] = [
      ['_G', (s) => raw._luaopen_base(s)],
      ['table', (s) => raw._luaopen_table(s)],
      ['string', (s) => raw._luaopen_string(s)],
      ['math', (s) => raw._luaopen_math(s)],
      ['coroutine', (s) => raw._luaopen_coroutine(s)],
    ];
    for (const [name, open] of libraries) {
      open(L);
      this.strings.write(name);
      raw._lua_setglobal(L, this.strings.pointer);
    }
    const name = this.strings.allocate(SANDBOX_CHUNK_NAME);
    const length = this.strings.write(SANDBOX_LUA);
    let code = raw._luaL_loadbufferx(L, this.strings.pointer, length, name, this.textMode);
    raw._free(name);
    if (code === LUA_OK) {
      raw._lua_pushcclosure(L, clock, 0);
      code = raw._lua_pcallk(L, 1, 3, 0, 0, 0);
    }
    if (code !== LUA_OK) throw new BugError(`the Lua health sandbox failed to load: ${this.errorText(-1)}`);
    // luaL_ref pops the top: STATE, then takeOutput, then run.
    this.stateRef = BigInt(raw._luaL_ref(L, LUA_REGISTRYINDEX));
    this.outputRef = BigInt(raw._luaL_ref(L, LUA_REGISTRYINDEX));
    this.runRef = BigInt(raw._luaL_ref(L, LUA_REGISTRYINDEX));
    raw._lua_settop(L, 0);
  }

  /** The error value at `index` as text, without running any metamethod a script may have set. */
  errorText(index: number): string {
    const text = this.strings.read(this.L, index);
    if (text !== undefined) return text;
    const type = TYPE_NAMES[this.raw._lua_type(this.L, index)] ?? 'unknown';
    return `(error object is a ${type} value)`;
  }

  /** Compiles once per text: the script becomes the body of `function(_ENV, ...)`, so each call can pass a new environment. */
  compile(script: string, cacheSize: number): Compiled {
    const cached = this.compiled.get(script);
    if (cached !== undefined) {
      this.compiled.delete(script);
      this.compiled.set(script, cached);
      return cached;
    }
    const { raw, L } = this;
    // Same line as the script's first line, so error line numbers match the user's text.
    let length = this.strings.write(`return function(_ENV, ...) ${script}\nend`);
    let code = raw._luaL_loadbufferx(L, this.strings.pointer, length, this.scriptName, this.textMode);
    if (code === LUA_OK) code = raw._lua_pcallk(L, 0, 1, 0, 0, 0);
    let compiled: Compiled;
    if (code === LUA_OK) {
      compiled = { ref: BigInt(raw._luaL_ref(L, LUA_REGISTRYINDEX)) };
    } else {
      // Report the error the text gives on its own: the wrapper can turn "'end' expected" into a
      // message about a function the user never wrote.
      raw._lua_settop(L, 0);
      length = this.strings.write(script);
      code = raw._luaL_loadbufferx(L, this.strings.pointer, length, this.scriptName, this.textMode);
      compiled = { error: code === LUA_OK ? 'script does not compile' : this.errorText(-1) };
    }
    raw._lua_settop(L, 0);
    this.compiled.set(script, compiled);
    if (this.compiled.size > cacheSize) {
      const [oldest, entry] = this.compiled.entries().next().value ?? [];
      if (oldest !== undefined && entry !== undefined) {
        this.compiled.delete(oldest);
        if ('ref' in entry) raw._luaL_unref(L, LUA_REGISTRYINDEX, Number(entry.ref));
      }
    }
    return compiled;
  }

  takeOutput(): string | undefined {
    const { raw, L } = this;
    raw._lua_settop(L, 0);
    raw._lua_rawgeti(L, LUA_REGISTRYINDEX, this.outputRef);
    const code = raw._lua_pcallk(L, 0, 1, 0, 0, 0);
    const text = code === LUA_OK ? this.strings.read(L, -1) : undefined;
    raw._lua_settop(L, 0);
    return text === '' ? undefined : text;
  }

  close(): void {
    this.global.close();
    for (const pointer of [this.scriptName, this.textMode, this.timedoutKey]) this.raw._free(pointer);
    this.strings.free();
  }
}

let sharedModule: Promise<LuaWasm> | undefined;

/** The WebAssembly module is loaded once per process; each runtime gets its own Lua state in it. */
function loadModule(): Promise<LuaWasm> {
  sharedModule ??= new LuaFactory().getLuaModule();
  return sharedModule;
}

function unknown(source: string, problem: string): LuaHealthOutcome {
  return { result: health('Unknown', `${source}: ${problem}`) };
}

export class LuaHealthRuntime {
  private vm: LuaVm | undefined;
  private readonly hookPointer: number;
  private readonly clockPointer: number;
  private readonly timeoutMs: number;
  private readonly maxHookCalls: number;
  private readonly memoryLimit: number;
  private readonly capture: boolean;
  private readonly cacheSize: number;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly startedAt: number;
  // Per-run state the hook reads.
  private deadline = 0;
  private hookCalls = 0;
  private timedOut = false;
  private closed = false;

  /** Loads the WebAssembly module (once per process) and creates a Lua state. */
  static async create(options: LuaRuntimeOptions = {}): Promise<LuaHealthRuntime> {
    return new LuaHealthRuntime(await loadModule(), options);
  }

  private constructor(
    private readonly luaWasm: LuaWasm,
    options: LuaRuntimeOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxHookCalls = options.maxInstructions === undefined ? Infinity : Math.ceil(options.maxInstructions / HOOK_INTERVAL);
    this.memoryLimit = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    this.capture = options.captureOutput ?? false;
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.now = options.now ?? (() => performance.now());
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.startedAt = this.now();
    const raw = rawLuaOf(luaWasm);
    this.hookPointer = raw.addFunction((L: LuaState) => {
      this.onHook(raw, L);
    }, 'vii');
    // os.time/os.date read the wall clock; os.clock counts seconds since this runtime started, as
    // gopher-lua counts them since its process started.
    this.clockPointer = raw.addFunction((L: LuaState) => {
      raw._lua_pushnumber(L, this.wallClock());
      raw._lua_pushnumber(L, (this.now() - this.startedAt) / 1000);
      return 2;
    }, 'ii');
    this.vm = new LuaVm(luaWasm, raw, this.clockPointer);
  }

  /** How many compiled scripts the cache holds. */
  get cachedScripts(): number {
    return this.vm?.compiled.size ?? 0;
  }

  /** Runs `script` with `obj` as its global `obj`. Never throws for anything the script does. */
  run(script: LuaHealthScript, obj: unknown): LuaHealthOutcome {
    if (this.closed) throw new BugError('the Lua health runtime is closed');
    this.vm ??= new LuaVm(this.luaWasm, rawLuaOf(this.luaWasm), this.clockPointer);
    const vm = this.vm;
    const compiled = vm.compile(script.script, this.cacheSize);
    if ('error' in compiled) return unknown(script.source, compiled.error);

    const { raw, L } = vm;
    raw._lua_settop(L, 0);
    raw._lua_rawgeti(L, LUA_REGISTRYINDEX, vm.runRef);
    raw._lua_rawgeti(L, LUA_REGISTRYINDEX, compiled.ref);
    raw._lua_pushboolean(L, script.useOpenLibs ? 1 : 0);
    try {
      pushJson(raw, vm.strings, L, obj);
    } catch (err) {
      raw._lua_settop(L, 0);
      if (err instanceof NestingTooDeepError) return unknown(script.source, err.message);
      throw err;
    }
    raw._lua_pushboolean(L, this.capture ? 1 : 0);

    this.deadline = this.now() + this.timeoutMs;
    this.hookCalls = 0;
    this.timedOut = false;
    vm.global.setMemoryMax(vm.global.getMemoryUsed() + this.memoryLimit);
    raw._lua_sethook(L, this.hookPointer, LUA_MASKCOUNT, HOOK_INTERVAL);
    let code: number;
    try {
      code = raw._lua_pcallk(L, 4, 2, 0, 0, 0);
    } catch (err) {
      // A WebAssembly trap, not a Lua error: nothing in this state can be trusted any more.
      this.discard(vm);
      return unknown(script.source, `health script crashed the Lua VM (${messageOf(err)})`);
    }
    raw._lua_sethook(L, 0, 0, 0);
    vm.global.setMemoryMax(undefined);

    const outcome = this.outcome(vm, script.source, code);
    raw._lua_settop(L, 0);
    const output = this.capture ? vm.takeOutput() : undefined;
    return output === undefined ? outcome : { ...outcome, output };
  }

  private outcome(vm: LuaVm, source: string, code: number): LuaHealthOutcome {
    if (this.timedOut) {
      const limit =
        this.hookCalls > this.maxHookCalls
          ? `more than ${this.maxHookCalls * HOOK_INTERVAL} instructions`
          : `after ${this.timeoutMs} ms`;
      return unknown(source, `${TIMEOUT_ERROR} (${limit})`);
    }
    if (code === LUA_ERRMEM) {
      return unknown(source, `health script ran out of memory (limit ${Math.round(this.memoryLimit / 1024 / 1024)} MiB)`);
    }
    if (code !== LUA_OK) return unknown(source, vm.errorText(-1));
    if (vm.raw._lua_type(vm.L, -2) === LUA_TNIL) return { result: undefined };
    const status = vm.strings.read(vm.L, -2) ?? '';
    const message = vm.strings.read(vm.L, -1);
    if (!isHealthStatus(status)) return unknown(source, `Lua returned an invalid health status ${JSON.stringify(status)}`);
    return { result: health(status, message) };
  }

  /** Every HOOK_INTERVAL instructions, in whichever coroutine is running. */
  private onHook(raw: RawLua, L: LuaState): void {
    this.hookCalls++;
    if (this.hookCalls <= this.maxHookCalls && this.now() <= this.deadline) return;
    const vm = this.vm;
    if (vm === undefined) return;
    this.timedOut = true;
    // Tell the sandbox, so its pcall/xpcall/coroutine.resume rethrow instead of swallowing this.
    raw._lua_rawgeti(L, LUA_REGISTRYINDEX, vm.stateRef);
    raw._lua_pushboolean(L, 1);
    raw._lua_setfield(L, -2, vm.timedoutKey);
    raw._lua_settop(L, -2);
    vm.strings.push(L, TIMEOUT_ERROR);
    raw._lua_error(L);
  }

  private discard(vm: LuaVm): void {
    this.vm = undefined;
    try {
      vm.close();
    } catch {
      // The state is already broken; its memory is lost with it.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.vm !== undefined) this.discard(this.vm);
    rawLuaOf(this.luaWasm).removeFunction(this.hookPointer);
    rawLuaOf(this.luaWasm).removeFunction(this.clockPointer);
  }
}

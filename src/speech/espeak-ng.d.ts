/**
 * Types for the `espeak-ng` npm package (an Emscripten MODULARIZE build that ships no types). Only the
 * Module options the WASM engine uses are declared; see node_modules/espeak-ng/dist/espeak-ng.js.
 */
declare module 'espeak-ng' {
  export interface EspeakModule {
    FS: {
      writeFile(path: string, data: string | Uint8Array): void;
      readFile(path: string): Uint8Array;
    };
    /** main(argc, argv) of a module made with `noInitialRun`; argv points into the instance's heap. */
    _main(argc: number, argv: number): number;
  }
  export interface EspeakOptions {
    /** argv for espeak-ng's main(); without it Emscripten falls back to process.argv. */
    arguments: string[];
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    preRun?: Array<(module: EspeakModule) => void>;
    /** Initialize the runtime (constructors, embedded files) but leave main() to the caller. */
    noInitialRun?: boolean;
    /** Called once the runtime is initialized, before main() would run. */
    onRuntimeInitialized?: () => void;
    /** Called when main() returns or exit() is called; the default sets process.exitCode. */
    quit?: (status: number, toThrow: unknown) => void;
    /** Lets the caller instantiate from an already compiled module; return {} and call `receive` later. */
    instantiateWasm?: (imports: unknown, receive: (instance: unknown, module: unknown) => void) => object;
  }
  const ESpeakNg: (options: EspeakOptions) => Promise<EspeakModule>;
  export default ESpeakNg;
}

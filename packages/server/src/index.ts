export { createApp } from "./app.js";
export { type Config, ConfigError, loadConfig } from "./config/load.js";
export { startTessera, type Tessera } from "./server.js";
export { openStore, type Store } from "./store/database.js";

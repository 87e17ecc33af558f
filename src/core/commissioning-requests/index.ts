// TMAD 6 and 8: Commissioning Requests (Table 6.3, Tables 8.7.1-8.7.4), the S1SP Alert S1MC1 (Table
// 6.5), and the ports of the Commissioning Party and of the DCC's Smart Metering Inventory.
export * from './requests.js';
export * from './table-6-3.js';
export * from './inventory.js';
export * from './repository.js';
export * from './sequence.js';
export * from './party-setup.js';

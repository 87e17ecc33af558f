// UK Working Day calendar, Europe/London deadlines and the weekly migration cycle.
// TMAD 2 (Working Day, Migration Week), 4.8, 4.29, 4.30, 4.37; MAM 4; Guide 4.5.
export * from './dates.js';
export * from './holidays.js';
export * from './london.js';
export * from './working-days.js';
export * from './cycle.js';

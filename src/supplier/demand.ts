// The Responsible Supplier's Daily Migration Demand (TMAD 4.8(a); Guide 4.5.2) from a simple input:
//   SMSO,ElectricityDistributor,PerWorkingDay          the same number on every Working Day, 0 on others
//   SMSO,ElectricityDistributor,Mon,Tue,Wed,Thu,Fri,Sat,Sun   one number per day of the week
// and its Indicative Migration Forecast (TMAD 4.5) from one line per Migration Week:
//   SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay
// (docs/PLANNING.md). Pure: the CLI reads the input and writes the file.
import {
  addDays,
  defaultWorkingDayCalendar,
  isMonday,
  type WorkingDayCalendar,
} from '../core/calendar/index.js';
import {
  periodDates,
  csvLines,
  parsePlanningFile,
  parseQuantity,
  planningFileName,
  writePlanningFile,
  type PlanningFile,
  type PlanningProblem,
} from '../core/planning/files.js';

export const DEMAND_INPUT_HEADERS = [
  'SMSO,ElectricityDistributor,PerWorkingDay',
  'SMSO,ElectricityDistributor,Mon,Tue,Wed,Thu,Fri,Sat,Sun',
] as const;

export type BuiltDemand =
  | { ok: true; file: PlanningFile; fileName: string; text: string }
  | { ok: false; problems: PlanningProblem[] };

/** Build the Daily Migration Demand of `supplierId` for the Migration Week starting `week`. */
export function buildDemand(
  supplierId: string,
  week: string,
  input: string,
  inputName: string,
  cal: WorkingDayCalendar = defaultWorkingDayCalendar(),
): BuiltDemand {
  const rule = 'TMAD 4.8(a); docs/PLANNING.md (demand input)';
  const lines = csvLines(input);
  const perDay = lines[0] === DEMAND_INPUT_HEADERS[1];
  if (!perDay && lines[0] !== DEMAND_INPUT_HEADERS[0])
    return {
      ok: false,
      problems: [
        {
          file: inputName,
          line: 1,
          column: null,
          field: null,
          rule,
          message: `header '${(lines[0] ?? '').slice(0, 200)}': expected ${DEMAND_INPUT_HEADERS.join(' or ')}`,
        },
      ],
    };
  const problems: PlanningProblem[] = [];
  const out: string[] = ['MigrationWeek,SupplierId,SMSO,ElectricityDistributor,Date,DailyMigrationDemand'];
  const width = perDay ? 9 : 3;
  const lineOf: number[] = [0];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== width) {
      problems.push({
        file: inputName,
        line: i + 1,
        column: null,
        field: null,
        rule,
        message: `${cells.length} values: expected ${width}`,
      });
      continue;
    }
    const [smso, dist, ...qs] = cells as [string, string, ...string[]];
    for (let d = 0; d < 7; d++) {
      const date = addDays(week, d);
      const raw = perDay ? qs[d]! : cal.isWorkingDay(date) ? qs[0]! : '0';
      if (parseQuantity(raw) === undefined) {
        const col = perDay ? 3 + d : 3;
        if (perDay || d === 0)
          problems.push({
            file: inputName,
            line: i + 1,
            column: col,
            field: lines[0]!.split(',')[col - 1]!,
            rule,
            message: `'${raw}': expected a whole number of installations`,
          });
        continue;
      }
      out.push([week, supplierId, smso, dist, date, raw].join(','));
      lineOf.push(i + 1);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  // The demand file's own rules (SMSO, distributor, duplicates), mapped back to the input's lines.
  const parsed = parsePlanningFile('demand', out.join('\n'), inputName);
  if (!parsed.ok)
    return {
      ok: false,
      problems: parsed.problems.map((p) => ({
        ...p,
        line: p.line === null ? null : (lineOf[p.line - 1] ?? p.line),
        column: p.column === 3 ? 1 : p.column === 4 ? 2 : p.column,
      })),
    };
  return {
    ok: true,
    file: parsed.file,
    fileName: planningFileName(parsed.file),
    text: writePlanningFile(parsed.file),
  };
}

export const FORECAST_INPUT_HEADER = 'SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay';

export type BuiltForecast = BuiltDemand;

/**
 * Build the Indicative Migration Forecast (TMAD 4.5) that `supplierId` gives in `month` (YYYY-MM) from
 * one input line per SMSO, Electricity Distributor and Migration Week: the number goes on every Working
 * Day of that week, 0 on the others. A week must start within the forecast's horizon (the month and
 * the six after it, docs/PLANNING.md); days of the last week past the horizon are left out. The result
 * is checked by the same parser as `mcc forecast receive`, and problems are mapped to the input lines.
 */
export function buildForecast(
  supplierId: string,
  month: string,
  input: string,
  inputName: string,
  cal: WorkingDayCalendar = defaultWorkingDayCalendar(),
): BuiltForecast {
  const rule = 'TMAD 4.5; docs/PLANNING.md (forecast input)';
  const problem = (line: number | null, column: number | null, field: string | null, message: string) => ({
    file: inputName,
    line,
    column,
    field,
    rule,
    message,
  });
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    return { ok: false, problems: [problem(null, null, null, `month '${month}': expected YYYY-MM`)] };
  const lines = csvLines(input);
  if (lines[0] !== FORECAST_INPUT_HEADER)
    return {
      ok: false,
      problems: [
        problem(
          1,
          null,
          null,
          `header '${(lines[0] ?? '').slice(0, 200)}': expected ${FORECAST_INPUT_HEADER}`,
        ),
      ],
    };
  const { first, last } = periodDates('forecast', month);
  const fields = FORECAST_INPUT_HEADER.split(',');
  const problems: PlanningProblem[] = [];
  const out: string[] = [
    'ForecastMonth,SupplierId,SMSO,ElectricityDistributor,Date,IndicativeMigrationForecast',
  ];
  const lineOf: number[] = [0];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== 4) {
      problems.push(
        problem(i + 1, null, null, `${cells.length} values: expected 4 (${FORECAST_INPUT_HEADER})`),
      );
      continue;
    }
    const [smso, dist, week, qty] = cells as [string, string, string, string];
    let bad = false;
    if (!isMonday(week) || week < first || week > last) {
      bad = true;
      problems.push(
        problem(
          i + 1,
          3,
          fields[2]!,
          `'${week}': expected the Monday of a Migration Week from ${first} to ${last} (TMAD 4.5: within the next six months)`,
        ),
      );
    }
    if (parseQuantity(qty) === undefined) {
      bad = true;
      problems.push(problem(i + 1, 4, fields[3]!, `'${qty}': expected a whole number of installations`));
    }
    if (bad) continue;
    for (let d = 0; d < 7; d++) {
      const date = addDays(week, d);
      if (date > last) break;
      out.push([month, supplierId, smso, dist, date, cal.isWorkingDay(date) ? qty : '0'].join(','));
      lineOf.push(i + 1);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const parsed = parsePlanningFile('forecast', out.join('\n'), inputName);
  if (!parsed.ok) {
    // One problem per input line and column (an input line makes up to 7 output rows).
    const seen = new Set<string>();
    return {
      ok: false,
      problems: parsed.problems
        .map((p) => ({
          ...p,
          rule,
          line: p.line === null ? null : (lineOf[p.line - 1] ?? p.line),
          // Output columns SMSO (3) and ElectricityDistributor (4) are input columns 1 and 2; a
          // duplicate day is a repeated SMSO, distributor and week.
          column: p.column === 3 ? 1 : p.column === 4 ? 2 : p.column,
          field: p.column === 3 ? fields[0]! : p.column === 4 ? fields[1]! : p.field,
          message: p.message.replace(
            / on line (\d+)/,
            (_m, n: string) => ` on line ${lineOf[Number(n) - 1] ?? n}`,
          ),
        }))
        .filter((p) => {
          const key = `${p.line},${p.column}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
    };
  }
  return {
    ok: true,
    file: parsed.file,
    fileName: planningFileName(parsed.file),
    text: writePlanningFile(parsed.file),
  };
}

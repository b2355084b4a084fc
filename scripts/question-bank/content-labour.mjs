// Sections 2-4: Recruitment & Hiring, Working Hours, Wages & Benefits. Step 1 questions map to a Better
// Work compliance point (c); questions marked step: 2 are the code-of-conduct style questions Step 2 adds.
import { many, num, one, pct, section, sub, yn } from './dsl.mjs';

const step2 = { step: 2 };

export const recruitment = section(2, 'RH', 'Recruitment & Hiring', 1, {}, [
  sub(
    'REC',
    'Recruitment Practices',
    'Contracts & Human Resources',
    {
      law: 'recruitment',
      c: 'Contracting Procedures',
      g: 'Look at how workers were recruited in the past 12 months, including through agencies.',
    },
    [
      yn('Does the facility have a written recruitment and hiring procedure?', { vcc: true }),
      yn(
        'Are job advertisements free of requirements about sex, age, marital status, religion or ethnicity that are not needed for the job?',
        { c: 'Other Grounds', vcc: true }
      ),
      yn('Does the facility use labour recruitment agencies or brokers?', { key: 'recruiters' }),
      yn('Are the recruitment agencies licensed by the competent authority?', {
        when: ['recruiters', 'equals', true],
      }),
      yn('Do workers pay any fee or cost to get their job, to the facility or to a recruiter?', {
        c: 'Bonded Labour',
        bp: true,
        vcc: true,
        g: 'Include fees for medical checks, training, uniforms or transport charged before the first wage.',
      }),
      yn('Are applicants asked to take a pregnancy test or show proof of contraception?', {
        c: 'Gender',
        vcc: true,
      }),
      yn('Are applicants tested for HIV or for medical conditions the job does not require?', {
        c: 'Other Grounds',
      }),
      yn('Are new workers given the terms of employment in writing before they start?', {
        c: 'Employment Contracts',
      }),
      yn('Does the facility have a written policy prohibiting child labour, communicated to workers and recruiters?', {
        ...step2,
        law: 'childLabour',
      }),
      yn('Does the facility audit the recruitment agencies it uses at least once a year?', {
        ...step2,
        when: ['recruiters', 'equals', true],
      }),
      yn('Does the facility have a written policy that workers never pay for their recruitment?', step2),
      yn('Has the human resources team been trained on non-discriminatory hiring in the past 12 months?', {
        ...step2,
        law: 'discrimination',
      }),
    ]
  ),
  sub(
    'AGE',
    'Age Verification',
    'Child Labour',
    {
      law: 'childLabour',
      c: 'Child Labourers',
      vcc: true,
      g: 'Check the personnel files of workers hired in the past 12 months.',
    },
    [
      yn('Does the facility verify minimum age requirements prior to hiring workers?', {
        g: 'Answer "Yes" only if the age of every applicant is checked against an official document before the first day of work, including workers hired through agencies.',
      }),
      many(
        'Which documents does the facility accept as proof of age?',
        [
          ['nationalId', 'National identity card'],
          ['birthCertificate', 'Birth certificate'],
          ['schoolCertificate', 'School certificate'],
          ['passport', 'Passport'],
          ['medicalCertificate', 'Medical age certificate'],
        ],
        { vcc: false }
      ),
      yn("Does the facility keep a copy of the age document in each worker's personnel file?", {
        c: 'Documentation and Protection of Young Workers',
      }),
      yn('Has a worker under the legal minimum age been found working at the facility in the past 12 months?', {
        bp: true,
      }),
      yn('Does the facility have a written remediation procedure for a child found working?', { vcc: false }),
      yn('Does the facility have a written policy on the employment of young workers?', step2),
    ]
  ),
  sub(
    'AGE',
    'Age Verification',
    'Young Workers',
    {
      law: 'youngWorkers',
      c: 'Documentation and Protection of Young Workers',
      g: 'Only where workers under 18 are employed.',
    },
    [
      yn('Does the facility keep a register of workers under 18?', { when: ['under18', 'equals', true], vcc: true }),
      yn('Are workers under 18 kept away from hazardous work, night work and overtime?', {
        when: ['under18', 'equals', true],
        c: 'Hazardous Work and Other Worst Forms',
        bp: true,
      }),
      yn('Do workers under 18 have the medical fitness certificate the law requires?', {
        when: ['under18', 'equals', true],
      }),
      num('Longest working day of any worker under 18 in the past 12 months', 'hours', 1, 16, {
        when: ['under18', 'equals', true],
        c: 'Hazardous Work and Other Worst Forms',
      }),
    ]
  ),
  sub(
    'MIG',
    'Migrant Workers',
    'Forced Labour',
    { law: 'migrants', c: 'Coercion', g: 'Only where migrant workers are employed (see Worker Demographics).' },
    [
      yn('Do migrant workers receive their employment contract in a language they understand?', {
        when: ['migrants', 'equals', true],
        c: 'Employment Contracts',
      }),
      yn("Does anyone keep migrant workers' passports or identity documents against their will?", {
        when: ['migrants', 'equals', true],
        vcc: true,
      }),
      yn('Did migrant workers pay recruitment fees in their home country or on the way?', {
        when: ['migrants', 'equals', true],
        key: 'migrantFees',
        c: 'Bonded Labour',
      }),
      yn('Does the facility reimburse the recruitment fees migrant workers paid?', {
        when: ['migrantFees', 'equals', true],
        c: 'Bonded Labour',
      }),
      yn('Are migrant workers free to end their employment and return home without penalty?', {
        when: ['migrants', 'equals', true],
        bp: true,
      }),
      yn('Do migrant workers receive the same wages and benefits as local workers for the same work?', {
        when: ['migrants', 'equals', true],
        c: 'Race and Origin',
      }),
      yn('Does the facility monitor how recruitment agencies treat migrant workers?', {
        ...step2,
        when: ['migrants', 'equals', true],
      }),
    ]
  ),
  sub(
    'CON',
    'Employment Contracts',
    'Contracts & Human Resources',
    { law: 'contracts', c: 'Employment Contracts', g: 'Check a sample of personnel files across departments.' },
    [
      yn('Do all workers have a written employment contract?', { vcc: true }),
      yn('Do contracts state the wage, working hours, leave and notice period?', { vcc: true }),
      yn('Are workers given a signed copy of their contract?', { bp: true }),
      num('Length of the probation period', 'days', 0, 365, { c: 'Contracting Procedures' }),
      yn('Are fixed-term contracts used for work that is permanent in nature?', { c: 'Contracting Procedures' }),
      yn('Are apprentices and trainees paid at least the rate the law sets for them?', {
        c: 'Minimum Wages/Piece Rate Wages',
      }),
      yn('Do agency workers have the same protection as workers the facility hires directly?', {
        when: ['agencyWorkers', 'greaterThan', 0],
        c: 'Contracting Procedures',
      }),
    ]
  ),
  sub(
    'EQO',
    'Equal Opportunity',
    'Discrimination',
    { law: 'discrimination', c: 'Other Grounds', g: 'Think of hiring in the past 12 months.' },
    [
      yn('Are hiring decisions based only on skills, qualifications and experience?', { vcc: true }),
      yn('Are persons with disabilities hired on equal terms?'),
      yn('Are women and men offered the same positions and pay grades?', { c: 'Gender', bp: true }),
      yn('Are applicants asked about union membership or political opinion?', {
        c: 'Religion and Political Opinion',
      }),
      yn('Does the facility record why applicants were not hired?', step2),
    ]
  ),
]);

export const workingHours = section(3, 'WH', 'Working Hours', 1, {}, [
  sub(
    'REG',
    'Regular Hours',
    'Working Time',
    {
      law: 'hours',
      c: 'Regular Hours',
      vcc: true,
      g: 'Use the time records of the past 12 months, including peak months.',
    },
    [
      num('Normal working hours per day, without overtime', 'hours', 1, 12),
      num('Normal working hours per week, without overtime', 'hours', 1, 72),
      yn('Does the facility record working hours with an electronic or mechanical system?'),
      yn('Do the time records show all hours actually worked, including overtime?', { bp: true }),
      yn('Do all workers get at least one full day off in every seven days?', { bp: true }),
      yn('Do workers get the meal and rest breaks the law requires?', { vcc: false }),
      yn('Does the facility run night shifts?', { key: 'nightShift', vcc: false }),
      yn('Do night-shift workers get the protections the law requires, such as transport or allowances?', {
        when: ['nightShift', 'equals', true],
        vcc: false,
      }),
      yn('Are pregnant workers exempted from night work?', {
        when: ['nightShift', 'equals', true],
        c: 'Gender',
        vcc: false,
      }),
      yn('Does the facility have a working hours policy that caps total weekly hours below the legal limit?', step2),
      yn('Are workers consulted on the shift schedule?', { ...step2, bp: true }),
    ]
  ),
  sub(
    'OVT',
    'Overtime',
    'Working Time',
    { law: 'overtime', c: 'Overtime', bp: true, g: 'Look at the week with the most overtime in the past 12 months.' },
    [
      yn('Is overtime voluntary?', {
        c: 'Forced Labour and Overtime',
        vcc: true,
        reword: { '1.5.0': 'Is all overtime voluntary, with workers free to refuse it without penalty?' },
      }),
      num('Most overtime hours worked by any worker in one week', 'hours', 0, 60, { vcc: true, bp: false }),
      num('Most total hours (regular and overtime) worked by any worker in one week', 'hours', 0, 100, {
        bp: false,
      }),
      yn('Does overtime stay within the daily limit the law sets?', { vcc: true }),
      yn('Does overtime stay within the monthly or yearly limit the law sets?', { vcc: true }),
      yn('Are workers penalised if they refuse overtime?', { c: 'Forced Labour and Overtime' }),
      yn('Does the facility hold the permits or agreements the law requires for overtime?', { bp: false }),
      yn('Are workers told about overtime in advance?'),
      yn('Does the facility plan production capacity to reduce excessive overtime?', step2),
      yn('Does the facility review overtime by department every month?', step2),
      yn('Is there a written overtime policy communicated to all workers?', step2),
    ]
  ),
  sub(
    'LEV',
    'Leave and Holidays',
    'Working Time',
    { law: 'leave', c: 'Leave', g: 'Check the leave records of the past 12 months.' },
    [
      yn('Do workers get the paid public holidays the law requires?', { vcc: true }),
      yn('Do workers get the paid annual leave the law requires?', { vcc: true }),
      yn('Do workers get the sick leave the law requires?'),
      yn('Can workers choose when to take their annual leave, within reasonable limits?', { bp: true }),
      yn('Do workers get the maternity leave the law requires?', { vcc: true }),
      yn('Are workers required to work on public holidays?', { key: 'holidayWork' }),
      yn('Do workers who work on a public holiday get the premium pay or a substitute day the law requires?', {
        when: ['holidayWork', 'equals', true],
        c: 'Premium Pay',
        law: 'overtimePay',
      }),
    ]
  ),
  sub(
    'TRC',
    'Time Records',
    'Working Time',
    { law: 'timeRecords', c: 'Regular Hours', g: 'Compare time records with payroll and production records.' },
    [
      yn('Are time records kept for at least the period the law requires?', { vcc: true }),
      yn('Can workers see their own time records?', { bp: true }),
      yn('Does the facility keep more than one set of time records?', { vcc: true }),
    ]
  ),
]);

export const wages = section(4, 'WB', 'Wages & Benefits', 1, {}, [
  sub(
    'MIN',
    'Minimum Wage',
    'Compensation & Benefits',
    {
      law: 'minimumWage',
      c: 'Minimum Wages/Piece Rate Wages',
      vcc: true,
      g: 'Compare the payroll of the past 12 months with the minimum wage in force each month.',
    },
    [
      num(
        'Lowest monthly base wage of a full-time production worker, in local currency',
        'local currency',
        0,
        undefined,
        {
          integer: false,
        }
      ),
      yn('Are all workers paid at least the legal minimum wage for their grade?', { bp: true }),
      yn('Does the facility pay any workers by the piece?', { key: 'pieceRate', vcc: false }),
      yn('Do piece-rate workers earn at least the minimum wage for their normal hours?', {
        when: ['pieceRate', 'equals', true],
      }),
      yn('Are trainees and workers on probation paid at least the minimum wage that applies to them?'),
      yn('Did the facility apply the latest minimum wage revision from the day it took effect?'),
      yn('Are workers placed in the wage grade that matches their job and experience?', { vcc: false }),
      yn('Does the facility have a written remuneration policy?', step2),
      yn('Are pay scales reviewed with worker representatives every year?', { ...step2, bp: true }),
    ]
  ),
  sub(
    'OTP',
    'Overtime Pay',
    'Compensation & Benefits',
    { law: 'overtimePay', c: 'Overtime Wages', g: 'Recalculate the overtime pay of a sample of workers.' },
    [
      yn('Is overtime paid at the premium rate the law sets?', { vcc: true, bp: true }),
      yn('Are overtime hours shown separately on payslips?', { c: 'Wage Information, Use and Deduction' }),
      yn('Are workers paid for all overtime, including work before or after the shift?', { vcc: true }),
      yn('Is work on the weekly rest day paid at the premium rate the law sets?', { c: 'Premium Pay' }),
      yn('Are night-shift allowances paid where the law requires them?', {
        when: ['nightShift', 'equals', true],
        c: 'Premium Pay',
      }),
    ]
  ),
  sub(
    'PAY',
    'Payment of Wages',
    'Compensation & Benefits',
    { law: 'payment', c: 'Method of Payment', g: 'Think of every pay day in the past 12 months.' },
    [
      one('How are wages paid?', [
        ['bank', 'Bank transfer'],
        ['mobile', 'Mobile financial service'],
        ['cash', 'Cash'],
        ['mixed', 'A mix of these'],
      ]),
      yn('Are wages paid on time, as the law requires?', { vcc: true, bp: true }),
      yn('Were wages paid late at least once in the past 12 months?', { key: 'latePay' }),
      num('Number of days by which the latest late payment was late', 'days', 1, 365, {
        when: ['latePay', 'equals', true],
      }),
      yn('Do workers get a payslip showing how their wage was calculated?', {
        c: 'Wage Information, Use and Deduction',
        vcc: true,
      }),
      yn('Are payslips written in a language workers understand?', { c: 'Wage Information, Use and Deduction' }),
      yn('Are workers told their wage rate in writing before they start work?', {
        c: 'Wage Information, Use and Deduction',
      }),
      yn('Are workers paid through an account in their own name?', { since: '1.5.0' }),
      yn('Does the facility pay all workers digitally?', step2),
      yn('Is there a written procedure for complaints about wages?', { ...step2, bp: true }),
    ]
  ),
  sub(
    'DED',
    'Deductions',
    'Compensation & Benefits',
    {
      law: 'deductions',
      c: 'Wage Information, Use and Deduction',
      g: 'Check every kind of deduction on the payslips of the past 12 months.',
    },
    [
      yn('Are deductions limited to those the law allows?', { vcc: true }),
      yn('Are wages deducted as a disciplinary measure?', { bp: true, vcc: true }),
      yn('Are workers charged for protective equipment or tools?'),
      yn('Does the facility give loans or wage advances to workers?', { key: 'loans' }),
      yn('Are loan repayments limited so that workers keep enough of their wage and can leave at any time?', {
        when: ['loans', 'equals', true],
        c: 'Bonded Labour',
      }),
    ]
  ),
  sub(
    'PLV',
    'Paid Leave',
    'Compensation & Benefits',
    { law: 'paidLeave', c: 'Paid Leave', g: 'Check the pay of workers who took leave in the past 12 months.' },
    [
      yn("Is annual leave paid at the worker's full wage?", { vcc: true }),
      yn('Is unused annual leave paid out as the law requires?'),
      yn('Are workers paid during sick leave as the law requires?'),
      yn('Are workers paid during production stoppages that are not their fault (e.g. power cuts, lack of orders)?', {
        bp: true,
      }),
    ]
  ),
  sub(
    'SOC',
    'Social Security',
    'Compensation & Benefits',
    {
      law: 'socialSecurity',
      c: 'Social Security and Other Benefits',
      g: 'Compare the payroll with the contribution records of the social security institution.',
    },
    [
      yn('Are all eligible workers registered with the national social security scheme?', { vcc: true }),
      yn('Are social security contributions paid in full and on time?', { vcc: true }),
      yn('Does the facility provide the health or accident insurance the law requires?'),
      yn('Are the bonuses and allowances the law requires (e.g. festival or religious holiday bonus) paid in full?', {
        vcc: true,
        bp: true,
      }),
      yn('Are workers compensated for work-related injuries as the law requires?'),
      yn('Are workers told about their social security registration and contributions?'),
      yn('Does the facility monitor the pay gap between women and men?', { ...step2, law: 'discrimination' }),
    ]
  ),
  sub(
    'MAT',
    'Maternity Protection',
    'Compensation & Benefits',
    {
      law: 'maternity',
      c: 'Paid Leave',
      g: 'Check the files of workers who were pregnant or gave birth in the past 12 months.',
    },
    [
      num('Number of workers who took maternity leave in the past 12 months', 'workers', 0, 100000),
      yn('Are maternity benefits paid in full as the law requires?', { vcc: true }),
      yn('Do women return to the same or an equivalent job after maternity leave?', { c: 'Gender' }),
      yn('Are pregnant workers protected from dismissal because of their pregnancy?', { c: 'Gender', bp: true }),
      pct('Share of workers who returned to work after maternity leave in the past 12 months', {
        c: 'Gender',
      }),
    ]
  ),
]);

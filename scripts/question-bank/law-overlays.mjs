// The law overlay: for each topic, short guidance on national law in each launched country (BD, ID, VN).
// Written for this project as orientation only: it names the main laws and what they generally require,
// cites no article numbers, and tells the reader to check the text in force. Every question of a
// subsection gets its subsection's topic unless it names another.

const BD = 'Bangladesh Labour Act 2006 and Bangladesh Labour Rules 2015';
const BD_EPZ = 'in an EPZ, the Bangladesh EPZ Labour Act 2019 applies instead';
const ID = 'Manpower Law No. 13 of 2003 as amended by the Job Creation Law and its implementing regulations';
const VN = 'Labour Code 2019 and its implementing decrees';

export const lawOverlays = {
  profile: {
    BD: `Factories need a valid factory licence from the Department of Inspection for Factories and Establishments (DIFE) and a trade licence; ${BD_EPZ} and BEPZA registers the enterprise.`,
    ID: 'Companies register through the Online Single Submission (OSS) system and must report their workforce to the manpower office every year (the compulsory manpower report, WLKP).',
    VN: 'Enterprises hold an enterprise registration certificate and report their use of labour to the provincial labour authority periodically.',
  },
  hours: {
    BD: `Under the ${BD}, normal hours are 8 a day and 48 a week, with a weekly day off; ${BD_EPZ}.`,
    ID: `Under the ${ID}, normal hours are 40 a week: 7 hours a day over 6 days or 8 hours a day over 5 days.`,
    VN: `Under the ${VN}, normal hours are at most 8 a day and 48 a week; the State encourages a 40-hour week.`,
  },
  buildings: {
    BD: 'Building plans need approval by the development authority, and the building, fire and electrical safety of garment factories is inspected (RMG Sustainability Council or DIFE follow-up).',
    ID: 'Buildings need a building approval (PBG) and a certificate of fitness for use (SLF) from the local government.',
    VN: 'Buildings need a construction permit and must pass fire prevention and fighting acceptance before use.',
  },
  accommodation: {
    BD: 'The Labour Act has no detailed standard for worker housing; BW expects housing to meet the fire and building safety standards of the workplace and residents to be free to come and go.',
    ID: 'National law sets no specific standard for worker dormitories; building, fire and health rules of the local government apply, and residents must be free to come and go.',
    VN: 'Worker housing must meet construction, fire prevention and hygiene rules; employers must not restrict residents outside working hours.',
  },
  welfare: {
    BD: `The ${BD} require drinking water, separate latrines for women and men, a canteen in larger factories and a room for children of women workers above a threshold of women workers.`,
    ID: 'Employers must provide clean water, toilets, and facilities for breastfeeding or expressing milk; larger companies often provide canteens under their company regulations.',
    VN: 'The OSH Law 2015 and its guidance require clean drinking water, toilets and washing facilities; employers support childcare arrangements for workers with young children.',
  },
  workforce: {
    BD: `The ${BD} require a register of workers and service books; contract and agency workers are covered by the same protections.`,
    ID: 'Companies report their workforce in the compulsory manpower report (WLKP); outsourcing is regulated and outsourced workers keep their rights.',
    VN: 'Employers keep a labour register and report changes in the workforce to the labour authority; sub-leasing of labour is limited to listed jobs.',
  },
  youngWorkers: {
    BD: `Under the ${BD}, children below 14 may not work; adolescents (14 to 18) need a certificate of fitness, work shorter hours and may not do night work or hazardous work.`,
    ID: 'Workers under 18 are children under the Manpower Law: hazardous work and the worst forms of child labour are prohibited and strict conditions apply to any work.',
    VN: `Under the ${VN}, minors (under 18) may only do work that does not harm their development, keep shorter hours, and employers keep a separate register of them.`,
  },
  migrants: {
    BD: 'Foreign workers need a work permit (BIDA, or BEPZA in an EPZ); domestic migrants have the same rights as other workers.',
    ID: 'Foreign workers need an approved foreign worker plan (RPTKA); workers from other provinces have the same rights as local workers.',
    VN: 'Foreign workers need a work permit or a confirmation of exemption; workers from other provinces have the same rights as local workers.',
  },
  subcontracting: {
    BD: 'A facility that gives out work remains responsible to its buyers for the conditions at its subcontractors; the subcontractor must itself comply with the Labour Act.',
    ID: 'Outsourcing of work is regulated under the Job Creation Law; the outsourcing company must be a licensed legal entity and its workers keep their rights.',
    VN: 'Subcontractors must comply with the Labour Code themselves; labour sub-leasing is allowed only through licensed enterprises and for the jobs on the list the law sets.',
  },
  recruitment: {
    BD: 'Recruitment must not discriminate, and workers must not pay for their jobs; overseas recruitment is regulated by the Overseas Employment and Migrants Act 2013.',
    ID: 'Private placement agencies need a licence; job seekers must not be charged placement fees for domestic jobs, and migrant worker placement is regulated by Law No. 18 of 2017.',
    VN: 'Employment service providers need a licence; recruitment must not discriminate, and workers must not pay for their jobs beyond fees the law allows.',
  },
  childLabour: {
    BD: `The ${BD} prohibit employing children under 14; the employer must be able to show the age of every worker.`,
    ID: 'Employers must not employ children; the worst forms of child labour are prohibited and the age of every worker must be verified from an official document.',
    VN: `The ${VN} set 15 as the general minimum age for work; younger children may only do light work on a list set by the ministry.`,
  },
  discrimination: {
    BD: 'The Constitution and the Labour Act prohibit discrimination in employment and require equal pay for women and men for work of equal value.',
    ID: 'The Manpower Law gives every worker equal opportunity and equal treatment without discrimination on grounds such as sex, ethnicity, religion or political opinion.',
    VN: `The ${VN} prohibit discrimination on grounds including sex, ethnicity, religion, disability and union membership, and require equal pay for work of equal value.`,
  },
  contracts: {
    BD: `Under the ${BD}, every worker receives an appointment letter and an identity card; the probation period is limited.`,
    ID: 'Contracts for an unspecified period (PKWTT) may have up to 3 months of probation; fixed-term contracts (PKWT) are only for temporary work, have no probation and end with a compensation payment.',
    VN: `Under the ${VN}, contracts are indefinite or fixed-term (up to 36 months) and in writing; probation is limited by the level of the job and paid at least 85 % of the wage.`,
  },
  overtime: {
    BD: `Under the ${BD}, overtime is voluntary and limited: a working day of at most 10 hours and weekly totals of at most 60 hours, averaging no more than 56.`,
    ID: 'Overtime needs the written consent of the worker and is limited to 4 hours a day and 18 hours a week.',
    VN: `Under the ${VN}, overtime needs the worker's consent and is limited per day, per month and per year (with a higher yearly ceiling for textiles and garments after notifying the labour authority).`,
  },
  leave: {
    BD: `The ${BD} provide paid festival holidays, casual leave, sick leave and annual leave earned by days worked, and maternity leave of 16 weeks.`,
    ID: 'Workers are entitled to 12 working days of annual leave after 12 months of service, paid public holidays, and 3 months of maternity leave around childbirth.',
    VN: `The ${VN} give 12 days of paid annual leave (more for some groups), 11 paid public holidays and 6 months of maternity leave under social insurance.`,
  },
  timeRecords: {
    BD: 'Attendance registers and overtime registers must be kept up to date and shown to the inspector on request.',
    ID: 'Employers must record overtime and keep the records to calculate overtime pay; labour inspectors may examine them.',
    VN: 'Employers must record working time and overtime of each worker and make the records available to the labour inspectorate.',
  },
  minimumWage: {
    BD: 'The minimum wages of the garment sector are set by the Minimum Wage Board by grade; in EPZs, BEPZA sets its own scale.',
    ID: 'Minimum wages are set each year by the governor for the province (UMP) and often for the district or city (UMK); wages below them are prohibited.',
    VN: 'Regional minimum wages are set by Government decree for four regions; piece rates must allow a worker to earn at least the minimum for normal hours.',
  },
  overtimePay: {
    BD: `Under the ${BD}, overtime is paid at twice the ordinary rate of basic wage and dearness allowance.`,
    ID: 'Overtime is paid at 1.5 times the hourly wage for the first hour and 2 times for each further hour on working days, with higher rates on rest days and public holidays.',
    VN: `Under the ${VN}, overtime is paid at least 150 % on normal days, 200 % on weekly days off and 300 % on public holidays, with extra for night work.`,
  },
  payment: {
    BD: `Under the ${BD}, wages are paid within 7 working days after the end of the wage period, with a payslip.`,
    ID: 'Wages are paid in rupiah on the agreed date; late payment carries a fine, and employers give a wage slip.',
    VN: `Under the ${VN}, wages are paid in full, on time and directly to the worker, with a wage statement at each payment; late payment beyond 15 days carries interest.`,
  },
  deductions: {
    BD: 'Only deductions the Labour Act lists are allowed (e.g. for absence, damage, advances, income tax, provident fund), each within limits.',
    ID: 'Deductions are allowed only as the wage regulation provides (e.g. fines agreed in the work agreement, advances, debts), and their total is capped.',
    VN: `Under the ${VN}, deductions are limited to compensation for damage to the employer's property and may not exceed 30 % of the monthly net wage.`,
  },
  paidLeave: {
    BD: 'Leave with wages is paid at the average daily wage; unused annual leave is paid out when employment ends.',
    ID: 'Annual leave, public holidays and maternity leave are paid at the full wage; unused leave is compensated at the end of employment.',
    VN: 'Annual leave and public holidays are paid at the full wage; unused annual leave is paid out when employment ends.',
  },
  socialSecurity: {
    BD: 'Workers are covered by compensation for work injuries and, in larger factories, by group insurance; festival bonuses are paid under the Labour Rules, and the Employment Injury Scheme covers garment workers.',
    ID: 'Employers register workers with BPJS Ketenagakerjaan (work accident, death, old age, pension and job loss) and BPJS Kesehatan (health), and pay the religious holiday allowance (THR) before the holiday.',
    VN: 'Employers enrol workers in compulsory social insurance, health insurance and unemployment insurance and pay the contributions every month.',
  },
  maternity: {
    BD: 'Women with enough service are entitled to 16 weeks of paid maternity leave and benefit; dismissal during that time is prohibited.',
    ID: 'Women are entitled to 1.5 months of paid leave before and after childbirth, nursing opportunities at work, and protection from dismissal for pregnancy.',
    VN: 'Women receive 6 months of maternity leave paid by social insurance, may not be dismissed for pregnancy, and are entitled to breaks while nursing a child under 12 months.',
  },
  discipline: {
    BD: 'Disciplinary action follows the procedure of the Labour Act: a written charge, a chance to explain, an inquiry and a written decision.',
    ID: 'Disciplinary rules belong in the company regulation or collective agreement; sanctions follow them in stages (warning letters).',
    VN: `Under the ${VN}, discipline follows the registered work rules, with a hearing in the presence of the worker representative organisation; fines and wage deductions as discipline are prohibited.`,
  },
  harassment: {
    BD: 'The High Court guidelines on sexual harassment require a complaint committee led by a woman; abusive treatment of workers is prohibited.',
    ID: 'Sexual violence, including at work, is a crime under the Sexual Violence Crimes Law of 2022; ministry guidelines call for prevention and handling procedures in companies.',
    VN: `The ${VN} prohibit sexual harassment at work and require the work rules to include measures to prevent it.`,
  },
  forcedLabour: {
    BD: 'Forced or compulsory labour is prohibited by the Constitution; workers may resign with the notice the Labour Act sets.',
    ID: 'Forced labour is prohibited; withholding identity documents or wages to keep a worker is not allowed.',
    VN: `The ${VN} prohibit forced labour and forbid employers to keep workers' identity papers or require deposits.`,
  },
  grievance: {
    BD: 'A worker may raise a grievance in writing under the Labour Act; the participation committee and, in EPZs, the workers welfare association also handle complaints.',
    ID: 'Disputes are first settled by bipartite negotiation; the bipartite cooperation body (LKS Bipartit) is required in companies with 50 or more workers.',
    VN: 'Workers may complain to the employer and the grassroots trade union; labour disputes go through conciliation before arbitration or court.',
  },
  foa: {
    BD: `Workers may form and join trade unions under the ${BD}; anti-union discrimination is an unfair labour practice; ${BD_EPZ} with workers welfare associations.`,
    ID: 'Law No. 21 of 2000 lets workers form and join unions; preventing union activity or punishing members is a criminal offence.',
    VN: 'Workers may join the grassroots trade union, and the Labour Code recognises other worker representative organisations; discrimination for union activity is prohibited.',
  },
  cba: {
    BD: 'A registered union, or the collective bargaining agent, may bargain collectively; the agreement binds the employer for its term.',
    ID: 'A collective labour agreement (PKB) is negotiated with the union; a company with 10 or more workers and no PKB must have a company regulation (PP).',
    VN: 'Collective bargaining agreements are negotiated with the worker representative organisation, approved by the workers and filed with the labour authority.',
  },
  dialogue: {
    BD: 'A participation committee of elected worker and management members is required in establishments with 50 or more workers and meets regularly.',
    ID: 'Companies with 50 or more workers must form a bipartite cooperation body (LKS Bipartit) of worker and employer members.',
    VN: 'Employers hold workplace dialogue at least once a year and the workers conference under the grassroots democracy rules.',
  },
  strikes: {
    BD: 'Strikes and lockouts are lawful only after the conciliation procedure of the Labour Act; special rules apply in EPZs.',
    ID: 'A strike is a basic right when negotiations fail and must be notified in advance; workers on lawful strike may not be replaced or punished.',
    VN: 'Strikes must follow the procedure of the Labour Code after a failed conciliation; the employer may not retaliate against workers taking part in a lawful strike.',
  },
  oshManagement: {
    BD: `The ${BD} require a safety committee in factories with 50 or more workers, accident notification to DIFE, and safety measures on every floor.`,
    ID: 'Law No. 1 of 1970 on Work Safety applies; larger or high-risk companies form an OSH committee (P2K3) and apply the OSH management system (SMK3).',
    VN: 'The Law on Occupational Safety and Hygiene 2015 requires risk assessment, an OSH plan, OSH staff or a council in larger enterprises, and accident reporting.',
  },
  chemicals: {
    BD: 'Hazardous substances need labelling, safe storage and protective equipment; the Labour Rules set measures for workers exposed to them.',
    ID: 'Chemical hazards must be controlled under the work safety regulations, with labels, safety data sheets and exposure limits.',
    VN: 'Chemicals must be classified, labelled and stored safely, with safety data sheets; workers handling them receive OSH training and protective equipment.',
  },
  machineSafety: {
    BD: 'Dangerous parts of machinery must be fenced, and personal protective equipment is provided free of charge.',
    ID: 'Machines and boilers must be inspected and certified by OSH experts, and protective equipment is provided free of charge.',
    VN: 'Machines with strict safety requirements, including boilers and pressure vessels, must be inspected before use and periodically; protective equipment is free.',
  },
  workingEnvironment: {
    BD: 'Factories must have adequate ventilation, temperature control, lighting and protection against dust and noise.',
    ID: 'Work environment factors (heat, noise, lighting, dust) must stay within the limit values set by the ministry.',
    VN: 'Employers monitor the working environment (heat, noise, dust, lighting) at least once a year and act when limits are exceeded.',
  },
  emergency: {
    BD: 'Exits must be kept open and free during working hours, fire-fighting equipment maintained and drills held regularly; a fire licence is required.',
    ID: 'Buildings must have fire protection systems, emergency exits and trained personnel, in line with the fire safety rules of the local government.',
    VN: 'The fire prevention and fighting law requires exits, equipment, a trained fire team and periodic drills, checked by the fire police.',
  },
  firstAid: {
    BD: 'First-aid boxes must be provided and kept stocked, with trained persons; larger factories need a sick room with medical staff.',
    ID: 'Employers provide first aid at work facilities and trained first-aiders in proportion to the number of workers.',
    VN: 'Employers provide first aid and a medical station or staff according to the size of the workforce, and periodic health checks.',
  },
  canteen: {
    BD: 'A canteen is required in factories with more than 100 workers under the Labour Act.',
    ID: 'Canteens must meet food hygiene standards of the health authorities.',
    VN: 'Canteens must meet food safety and hygiene rules; the value of the mid-shift meal is often set in the collective agreement.',
  },
  childcare: {
    BD: `The ${BD} require a childcare room where 40 or more women workers are employed.`,
    ID: 'National law does not require a crèche, but employers must provide facilities for breastfeeding; some collective agreements add childcare.',
    VN: 'Employers support the building of crèches or pay part of childcare costs for workers with young children, as the Labour Code encourages.',
  },
  termination: {
    BD: `Under the ${BD}, termination follows the notice periods and procedures set by type of worker; dismissal for misconduct requires an inquiry.`,
    ID: 'Terminations must be negotiated first; without agreement, they go through the industrial relations dispute procedure (Law No. 2 of 2004).',
    VN: `Under the ${VN}, the employer may terminate only on listed grounds, with the notice the law sets, and may not dismiss pregnant workers or workers on maternity leave.`,
  },
  severance: {
    BD: 'Terminated workers receive compensation or service benefit for each completed year of service; final dues are paid within 30 working days.',
    ID: 'Severance pay (pesangon), long-service pay and compensation for rights are calculated by years of service under the Job Creation regulations.',
    VN: `Under the ${VN}, final payments are settled within 14 working days (30 in special cases), with severance or job-loss allowance for periods not covered by unemployment insurance.`,
  },
  retrenchment: {
    BD: 'Retrenchment needs one month of notice, a copy to the inspector and compensation per year of service; the last person hired goes first.',
    ID: 'Layoffs for efficiency or losses must be negotiated with the union or workers and follow the severance rules.',
    VN: 'Dismissals for restructuring or economic reasons need a labour use plan, consultation with the worker representative organisation and 30 days notice to the labour authority.',
  },
  resignation: {
    BD: 'A permanent worker may resign with written notice; those with long service are entitled to compensation.',
    ID: 'Workers who resign give notice as the company regulation says and receive the compensation for rights they are owed.',
    VN: `Under the ${VN}, workers may resign with notice (45, 30 or 3 working days depending on the contract), or without notice in listed cases such as unpaid wages or maltreatment.`,
  },
  managementSystems: {
    BD: 'The Labour Act does not prescribe a management system; BW looks for written policies, responsible persons and records that show how the facility complies.',
    ID: 'Companies with 10 or more workers must have a company regulation (PP) approved by the manpower office unless a collective agreement exists.',
    VN: 'Employers with 10 or more workers must have written work rules registered with the labour authority and communicated to workers.',
  },
  beyond: {
    BD: 'No legal requirement: practices beyond compliance; they should never replace what the Labour Act already requires.',
    ID: 'No legal requirement: practices beyond compliance; they do not replace obligations under the Manpower Law.',
    VN: 'No legal requirement: practices beyond compliance; they do not replace obligations under the Labour Code.',
  },
};

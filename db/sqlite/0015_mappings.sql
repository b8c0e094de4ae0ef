ALTER TABLE `steps` ADD `input_mapping` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `output_mapping` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `mapped_input` text;